package medperf

import (
	"encoding/json"
	"time"
)

// State is the life-cycle state of a container, benchmark or dataset.
type State string

// The states. An entity starts in DEVELOPMENT, where its owner may edit it
// freely, and moves once to OPERATION, after which only the fields that
// EditableInOperation lists may change. OPERATION never goes back.
const (
	StateDevelopment State = "DEVELOPMENT"
	StateOperation   State = "OPERATION"
)

// Valid reports whether s is a known state.
func (s State) Valid() bool { return s == StateDevelopment || s == StateOperation }

// ApprovalStatus is the approval status of a benchmark or an association.
type ApprovalStatus string

// The approval statuses.
const (
	StatusPending  ApprovalStatus = "PENDING"
	StatusApproved ApprovalStatus = "APPROVED"
	StatusRejected ApprovalStatus = "REJECTED"
)

// Valid reports whether s is a known approval status.
func (s ApprovalStatus) Valid() bool {
	return s == StatusPending || s == StatusApproved || s == StatusRejected
}

// Common holds the fields every registered entity has.
type Common struct {
	ID    int64 `json:"id"`
	Owner int64 `json:"owner"`
	// IsValid is a soft invalidation: an invalid entity stays listed but
	// must not be used for new work.
	IsValid bool `json:"is_valid"`
	// Metadata is free JSON written by the medperf client (e.g. the results
	// of a compatibility test).
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// UserMetadata is free JSON for the owner's own notes.
	UserMetadata json.RawMessage `json:"user_metadata,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	ModifiedAt   time.Time       `json:"modified_at"`
}

// Page selects a window of a list. Limit 0 means DefaultPageSize; a limit
// above MaxPageSize is refused.
type Page struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// Page sizes of every list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Normalize returns p with the default limit applied, or a CodeInvalid error
// naming "limit" or "offset".
func (p Page) Normalize() (Page, error) {
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return p, FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	if p.Offset < 0 {
		return p, FieldError("offset", "must not be negative")
	}
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	return p, nil
}

// List is one page of a list, with the total number of matching items.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// validJSONObject checks that raw, when present, is a JSON object.
func validJSONObject(field string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return FieldError(field, "must be a JSON object")
	}
	return nil
}

// requireText checks that a required text field is present and not too long.
func requireText(field, v string, max int) error {
	if v == "" {
		return FieldError(field, "is required")
	}
	return limitText(field, v, max)
}

// limitText checks the length of an optional text field.
func limitText(field, v string, max int) error {
	if len(v) > max {
		return FieldError(field, "is longer than %d bytes", max)
	}
	return nil
}

// Text limits, in bytes.
const (
	maxName     = 128
	maxText     = 4096
	maxURL      = 2048
	maxDocument = 256 << 10
)
