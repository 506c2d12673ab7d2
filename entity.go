package medperf

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
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

// Page selects a window of a list, by offset (Limit, Offset: what older
// clients send) or by keyset (Keyset, Cursor: a page starts after the last
// item of the one before, so deep pages cost what the first does). Limit 0
// means DefaultPageSize; a limit above MaxPageSize is refused.
type Page struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
	// Cursor is the Next of the page before, for the page after it; it
	// implies Keyset. Opaque: made by EncodeCursor, checked by Normalize.
	Cursor string `json:"cursor,omitempty"`
	// Keyset asks for keyset pagination from the first page: the list says
	// Next and, unless Total is set, does not count the matching items.
	Keyset bool `json:"keyset,omitempty"`
	// Total asks for the number of matching items in keyset mode (offset
	// mode always counts, as it always did).
	Total bool `json:"total,omitempty"`
}

// Page sizes of every list.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Normalize returns p with the default limit applied, or a CodeInvalid error
// naming "limit", "offset" or "cursor".
func (p Page) Normalize() (Page, error) {
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return p, FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	if p.Offset < 0 {
		return p, FieldError("offset", "must not be negative")
	}
	if p.Cursor != "" {
		if _, err := DecodeCursor(p.Cursor); err != nil {
			return p, err
		}
		p.Keyset = true
	}
	if p.Keyset && p.Offset != 0 {
		return p, FieldError("offset", "cannot be combined with a cursor: a cursor already says where the page starts")
	}
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	return p, nil
}

// cursorPrefix versions the cursor format, so that it can change without
// misreading cursors that clients kept.
const cursorPrefix = "v1:"

// EncodeCursor returns the cursor of the page that follows the item with
// the given id in a list ordered by id.
func EncodeCursor(lastID int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(lastID, 10)))
}

// DecodeCursor returns the id that a cursor made by EncodeCursor holds, or
// a CodeInvalid error naming "cursor".
func DecodeCursor(c string) (int64, error) {
	bad := FieldError("cursor", "is not a cursor of this list: pass the \"next\" of the previous page unchanged, or start again without a cursor")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	s, ok := strings.CutPrefix(string(b), cursorPrefix)
	if !ok {
		return 0, bad
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 || strconv.FormatInt(id, 10) != s {
		return 0, bad
	}
	return id, nil
}

// List is one page of a list. Total is the number of matching items, or
// -1 in keyset mode when the caller did not ask for it (Page.Total). Next,
// in both modes, is the cursor of the following page when this page is
// full; a page with fewer items than the limit is the last and has none
// (a full last page has a Next that gives an empty page).
type List[T any] struct {
	Items  []T    `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Next   string `json:"next,omitempty"`
	// Stamp, when not empty, is the store's name for exactly this page as
	// every caller who receives the same Stamp sees it: the same Stamp
	// always stands for the same Items, Total, Limit, Offset and Next, on
	// every replica, and a change to the data makes the store name the page
	// differently. A handler may keep the page (or its encoding) under it
	// and serve it again to whoever the store gives the same Stamp. The
	// store sets it only where that is safe; empty means "do not reuse".
	// It is never sent over the wire.
	Stamp string `json:"-"`
}

// validJSONObject checks that raw, when present, is a JSON object within
// the bounds of CheckJSONBounds.
func validJSONObject(field string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	if err := CheckJSONBounds(field, raw); err != nil {
		return err
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

// limitText checks the length of an optional text field, and that it holds
// no NUL character (PostgreSQL cannot store one; security finding 9).
func limitText(field, v string, max int) error {
	if len(v) > max {
		return FieldError(field, "is longer than %d bytes", max)
	}
	if strings.IndexByte(v, 0) >= 0 {
		return FieldError(field, "must not hold a NUL character")
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
