package medperf

import (
	"encoding/json"
	"time"
)

// AuditEvent is one entry of the append-only audit log, written in the same
// transaction as the change it records.
type AuditEvent struct {
	ID         int64  `json:"id"`
	Actor      int64  `json:"actor"`
	Action     string `json:"action"`
	EntityType string `json:"entity_type"`
	EntityID   int64  `json:"entity_id"`
	// Changes is what changed, as JSON: the fields and their new values.
	Changes json.RawMessage `json:"changes"`
	Time    time.Time       `json:"time"`
}

// The audit actions.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionApprove  = "approve"
	ActionReject   = "reject"
	ActionWithdraw = "withdraw"
	ActionRequest  = "request"
	ActionPriority = "set_priority"
	ActionRevoke   = "revoke"
)

// AuditFilter selects audit events; zero fields do not filter.
type AuditFilter struct {
	EntityType string
	EntityID   int64
	Actor      int64
	// Since and Until keep the events at or after Since and before Until;
	// a zero time does not filter.
	Since, Until time.Time
	Page
}
