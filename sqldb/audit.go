package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/medperf/medperf"
)

// ListAudit implements medperf.AuditService.
func (d *DB) ListAudit(ctx context.Context, f medperf.AuditFilter) (*medperf.List[medperf.AuditEvent], error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	if !caller.IsAdmin {
		w.add("e.id IN (SELECT v.event_id FROM audit_viewers v WHERE v.user_id = ?)", caller.ID)
	}
	addIf(&w, "e.entity_type", f.EntityType)
	addIf(&w, "e.entity_id", f.EntityID)
	addIf(&w, "e.actor", f.Actor)
	if !f.Since.IsZero() {
		w.add("e.created_at >= ?", formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		w.add("e.created_at < ?", formatTime(f.Until))
	}
	return list(ctx, d, "audit e", "e.id, e.actor, e.action, e.entity_type, e.entity_id, e.changes, e.created_at", w, f.Page,
		func(r *sql.Rows) (medperf.AuditEvent, error) {
			var e medperf.AuditEvent
			var changes, created string
			err := r.Scan(&e.ID, &e.Actor, &e.Action, &e.EntityType, &e.EntityID, &changes, &created)
			e.Changes, e.Time = json.RawMessage(changes), parseTime(created)
			return e, err
		})
}
