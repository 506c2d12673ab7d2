package sqldb

import (
	"context"
	"database/sql"

	"github.com/medperf/medperf"
)

const associationCols = `a.id, a.benchmark_id, a.kind, a.component_id, a.approval_status, a.initiated_by,
	a.priority, a.metadata, a.created_at, a.modified_at, a.approved_at`

// latestOnly keeps, of each pair's rows, the newest.
const latestOnly = `a.id = (SELECT MAX(l.id) FROM associations l
	WHERE l.benchmark_id = a.benchmark_id AND l.kind = a.kind AND l.component_id = a.component_id)`

func scanAssociation(s interface{ Scan(...any) error }) (*medperf.Association, error) {
	var a medperf.Association
	var meta, approved sql.NullString
	var created, modified string
	err := s.Scan(&a.ID, &a.BenchmarkID, &a.Kind, &a.ComponentID, &a.ApprovalStatus, &a.InitiatedBy,
		&a.Priority, &meta, &created, &modified, &approved)
	if err != nil {
		return nil, err
	}
	a.Metadata, a.ApprovedAt = rawJSON(meta), parseTimePtr(approved)
	a.CreatedAt, a.ModifiedAt = parseTime(created), parseTime(modified)
	return &a, nil
}

// associationViewersFrom joins, to each association row, what
// medperf.CanSeeAssociationMetadata decides on: the benchmark's owner and
// the component's owner (associationViewerCols).
const associationViewersFrom = `associations a JOIN benchmarks vb ON vb.id = a.benchmark_id
	LEFT JOIN datasets vd ON a.kind = 'dataset' AND vd.id = a.component_id
	LEFT JOIN containers vm ON a.kind = 'model' AND vm.id = a.component_id`

const associationViewerCols = associationCols + `, vb.owner, COALESCE(vd.owner, vm.owner, 0)`

// scanVisibleAssociation returns a scanner of associationViewerCols that
// blanks the metadata caller may not see.
func scanVisibleAssociation(caller *medperf.User) func(s interface{ Scan(...any) error }) (*medperf.Association, error) {
	return func(s interface{ Scan(...any) error }) (*medperf.Association, error) {
		var a medperf.Association
		var meta, approved sql.NullString
		var created, modified string
		var v medperf.AssociationViewers
		err := s.Scan(&a.ID, &a.BenchmarkID, &a.Kind, &a.ComponentID, &a.ApprovalStatus, &a.InitiatedBy,
			&a.Priority, &meta, &created, &modified, &approved, &v.BenchmarkOwner, &v.ComponentOwner)
		if err != nil {
			return nil, err
		}
		a.Metadata, a.ApprovedAt = rawJSON(meta), parseTimePtr(approved)
		a.CreatedAt, a.ModifiedAt = parseTime(created), parseTime(modified)
		v.Kind = a.Kind
		if !medperf.CanSeeAssociationMetadata(caller, v) {
			a.Metadata = nil
		}
		return &a, nil
	}
}

// latestAssociation returns the latest row of a pair, or nil.
func latestAssociation(ctx context.Context, c conn, benchmarkID int64, kind medperf.ComponentKind, componentID int64) (*medperf.Association, error) {
	a, err := scanAssociation(c.row(ctx, `SELECT `+associationCols+` FROM associations a
		WHERE a.benchmark_id = ? AND a.kind = ? AND a.component_id = ? ORDER BY a.id DESC LIMIT 1`,
		benchmarkID, kind, componentID))
	if noRows(err) {
		return nil, nil
	}
	return a, err
}

// component is what the association rules need of a dataset or model.
type component struct {
	owner      int64
	ownerEmail string
	state      medperf.State
	valid      bool
	isModel    bool
	preparator int64
}

// getComponent loads the dataset or model of a pair; CodeNotFound when
// there is none (a container that is not a model counts as none).
func getComponent(ctx context.Context, c conn, kind medperf.ComponentKind, id int64) (*component, error) {
	var x component
	var err error
	if kind == medperf.KindDataset {
		err = c.row(ctx, `SELECT d.owner, u.email, d.state, d.is_valid, d.preparator FROM datasets d
			JOIN users u ON u.id = d.owner WHERE d.id = ?`, id).Scan(&x.owner, &x.ownerEmail, &x.state, &x.valid, &x.preparator)
	} else {
		err = c.row(ctx, `SELECT m.owner, u.email, m.state, m.is_valid, m.is_model FROM containers m
			JOIN users u ON u.id = m.owner WHERE m.id = ?`, id).Scan(&x.owner, &x.ownerEmail, &x.state, &x.valid, &x.isModel)
	}
	if noRows(err) {
		return nil, notFound(string(kind), id)
	}
	return &x, err
}

// RequestAssociation implements medperf.AssociationService.
func (d *DB) RequestAssociation(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, r medperf.AssociationRequest) (*medperf.Association, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := medperf.CheckComponentKind(kind); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	var out *medperf.Association
	err = d.register(ctx, func(c conn) error {
		if err := lockComponent(ctx, c, kind, r.ComponentID); err != nil {
			return err
		}
		b, err := getBenchmark(ctx, c, benchmarkID)
		if err != nil {
			return err
		}
		comp, err := getComponent(ctx, c, kind, r.ComponentID)
		if err != nil {
			return err
		}
		latest, err := latestAssociation(ctx, c, benchmarkID, kind, r.ComponentID)
		if err != nil {
			return err
		}
		parties := medperf.AssociationParties{Caller: caller, BenchmarkOwner: b.Owner, ComponentOwner: comp.owner}
		err = medperf.CheckAssociationRequest(parties, medperf.AssociationPreconditions{
			Kind: kind, BenchmarkStatus: b.ApprovalStatus, ComponentState: comp.state, ComponentValid: comp.valid,
			IsModel: comp.isModel, DatasetPreparator: comp.preparator, BenchmarkPreparator: b.DataPreparationContainer,
			Latest: latest,
		})
		if err != nil {
			return err
		}
		mode, allow := b.DatasetAutoApprovalMode, b.DatasetAutoApprovalAllowlist
		if kind == medperf.KindModel {
			mode, allow = b.ModelAutoApprovalMode, b.ModelAutoApprovalAllowlist
		}
		status, action, approvedAt := medperf.StatusPending, medperf.ActionRequest, any(nil)
		now := d.now()
		if medperf.AutoApprove(medperf.AutoApprovalInput{Initiator: caller.ID, BenchmarkOwner: b.Owner,
			ComponentOwner: comp.owner, ComponentOwnerEmail: comp.ownerEmail, Mode: mode, Allowlist: allow}) {
			status, action, approvedAt = medperf.StatusApproved, medperf.ActionApprove, now
		}
		priority := 0
		if latest != nil {
			priority = latest.Priority
		}
		id, err := c.insert(ctx, `INSERT INTO associations (benchmark_id, kind, component_id, approval_status,
			initiated_by, priority, metadata, created_at, modified_at, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			benchmarkID, kind, r.ComponentID, status, caller.ID, priority, jsonText(r.Metadata), now, now, approvedAt)
		if err != nil {
			return err
		}
		if out, err = latestAssociation(ctx, c, benchmarkID, kind, r.ComponentID); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, action, string(kind)+"_association", id,
			map[string]any{"benchmark": benchmarkID, "component": r.ComponentID, "approval_status": status, "metadata": r.Metadata},
			b.Owner, comp.owner)
	})
	return out, err
}

// DecideAssociation implements medperf.AssociationService.
func (d *DB) DecideAssociation(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, componentID int64, dec medperf.AssociationDecision) (*medperf.Association, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := dec.Validate(kind); err != nil {
		return nil, err
	}
	var out *medperf.Association
	err = d.register(ctx, func(c conn) error {
		if err := lockComponent(ctx, c, kind, componentID); err != nil {
			return err
		}
		b, err := getBenchmark(ctx, c, benchmarkID)
		if err != nil {
			return err
		}
		comp, err := getComponent(ctx, c, kind, componentID)
		if err != nil {
			return err
		}
		latest, err := latestAssociation(ctx, c, benchmarkID, kind, componentID)
		if err != nil {
			return err
		}
		if latest == nil {
			return medperf.Errorf(medperf.CodeNotFound, "%s %d has never asked to join benchmark %d", kind, componentID, benchmarkID)
		}
		parties := medperf.AssociationParties{Caller: caller, BenchmarkOwner: b.Owner, ComponentOwner: comp.owner}
		if dec.Priority != nil {
			if err := d.setPriority(ctx, c, parties, latest, *dec.Priority); err != nil {
				return err
			}
		}
		if dec.ApprovalStatus != nil {
			if err := d.decide(ctx, c, parties, latest, *dec.ApprovalStatus); err != nil {
				return err
			}
		}
		out, err = latestAssociation(ctx, c, benchmarkID, kind, componentID)
		return err
	})
	return out, err
}

// setPriority changes the priority of the latest row of a model's pair.
func (d *DB) setPriority(ctx context.Context, c conn, p medperf.AssociationParties, latest *medperf.Association, priority int) error {
	if err := medperf.CheckPriorityChange(p.Caller, p.BenchmarkOwner); err != nil {
		return err
	}
	if err := c.exec(ctx, `UPDATE associations SET priority = ?, modified_at = ? WHERE id = ?`, priority, d.now(), latest.ID); err != nil {
		return err
	}
	latest.Priority = priority
	return c.audit(ctx, p.Caller.ID, medperf.ActionPriority, string(latest.Kind)+"_association", latest.ID,
		map[string]int{"priority": priority}, p.BenchmarkOwner, p.ComponentOwner)
}

// decide applies an approval, a rejection or a withdrawal.
func (d *DB) decide(ctx context.Context, c conn, p medperf.AssociationParties, latest *medperf.Association, to medperf.ApprovalStatus) error {
	effect, err := medperf.CheckAssociationDecision(p, *latest, to)
	if err != nil {
		return err
	}
	now := d.now()
	id, action := latest.ID, medperf.ActionReject
	switch {
	case effect == medperf.AppendRow:
		action = medperf.ActionWithdraw
		id, err = c.insert(ctx, `INSERT INTO associations (benchmark_id, kind, component_id, approval_status,
			initiated_by, priority, metadata, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			latest.BenchmarkID, latest.Kind, latest.ComponentID, to, p.Caller.ID, latest.Priority,
			jsonText(latest.Metadata), now, now)
	case to == medperf.StatusApproved:
		action = medperf.ActionApprove
		err = c.exec(ctx, `UPDATE associations SET approval_status = ?, approved_at = ?, modified_at = ? WHERE id = ?`, to, now, now, id)
	default:
		err = c.exec(ctx, `UPDATE associations SET approval_status = ?, modified_at = ? WHERE id = ?`, to, now, id)
	}
	if err != nil {
		return err
	}
	return c.audit(ctx, p.Caller.ID, action, string(latest.Kind)+"_association", id,
		map[string]any{"benchmark": latest.BenchmarkID, "component": latest.ComponentID, "approval_status": to},
		p.BenchmarkOwner, p.ComponentOwner)
}

// ListAssociations implements medperf.AssociationService.
func (d *DB) ListAssociations(ctx context.Context, f medperf.AssociationFilter) (*medperf.List[medperf.Association], error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	scan := scanVisibleAssociation(caller)
	var w where
	w.add(latestOnly)
	addIf(&w, "a.benchmark_id", f.BenchmarkID)
	addIf(&w, "a.kind", f.Kind)
	addIf(&w, "a.component_id", f.ComponentID)
	addIf(&w, "a.approval_status", f.ApprovalStatus)
	return list(ctx, d, associationViewersFrom, associationViewerCols, w, f.Page, func(r *sql.Rows) (medperf.Association, error) {
		a, err := scan(r)
		if err != nil {
			return medperf.Association{}, err
		}
		return *a, nil
	})
}

// AssociationHistory implements medperf.AssociationService.
func (d *DB) AssociationHistory(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, componentID int64) ([]medperf.Association, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	scan := scanVisibleAssociation(caller)
	c := d.read()
	if _, err := getBenchmark(ctx, c, benchmarkID); err != nil {
		return nil, internal(err)
	}
	rows, err := c.query(ctx, `SELECT `+associationViewerCols+` FROM `+associationViewersFrom+`
		WHERE a.benchmark_id = ? AND a.kind = ? AND a.component_id = ? ORDER BY a.id`, benchmarkID, kind, componentID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []medperf.Association{}
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, internal(err)
		}
		out = append(out, *a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	if len(out) == 0 {
		return nil, medperf.Errorf(medperf.CodeNotFound, "%s %d has never asked to join benchmark %d", kind, componentID, benchmarkID)
	}
	return out, nil
}
