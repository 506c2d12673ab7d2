package medperf

import (
	"fmt"
	"slices"
	"strings"
)

// CheckBenchmarkApproval returns nil when caller may move a benchmark's
// approval status from `from` to `to`: only an admin decides; nothing goes
// back to PENDING; a REJECTED benchmark is never approved; a decision that
// changes nothing is refused.
func CheckBenchmarkApproval(caller *User, from, to ApprovalStatus) error {
	if caller == nil || !caller.IsAdmin {
		return Errorf(CodeForbidden, "only an admin approves or rejects a benchmark")
	}
	switch {
	case !to.Valid():
		return FieldError("approval_status", "must be APPROVED or REJECTED")
	case to == StatusPending:
		return FieldError("approval_status", "an approval decision never returns to PENDING")
	case from == StatusRejected && to == StatusApproved:
		return Errorf(CodeConflict, "a REJECTED benchmark is never approved; register it again")
	case from == to:
		return Errorf(CodeConflict, "the benchmark is already %s", from)
	}
	return nil
}

// CheckNewBenchmark refuses a new benchmark from a user who already has
// pendingCount benchmarks waiting for approval (at most one may wait).
func CheckNewBenchmark(pendingCount int) error {
	if pendingCount > 0 {
		return Errorf(CodeConflict, "you already have a benchmark waiting for approval; wait for the decision first")
	}
	return nil
}

// CheckBenchmarkOperation refuses a benchmark in OPERATION unless its three
// containers are in OPERATION.
func CheckBenchmarkOperation(state State, c BenchmarkContainers) error {
	if state != StateOperation {
		return nil
	}
	for _, x := range []*Container{c.Preparator, c.ReferenceModel, c.Evaluator} {
		if x == nil || x.State != StateOperation {
			return FieldError("state", "a benchmark is in OPERATION only when its three containers are in OPERATION")
		}
	}
	return nil
}

// editableInOperation lists, per entity type, the fields a PATCH may still
// change once the entity is in OPERATION. For benchmarks, the governance
// fields (the admin's approval and the owner's auto-approval policy) stay
// editable: they are decisions about the benchmark, not its definition.
var editableInOperation = map[string][]string{
	"container": {"is_valid", "user_metadata"},
	"dataset":   {"is_valid", "user_metadata"},
	"benchmark": {"is_valid", "user_metadata", "approval_status",
		"dataset_auto_approval_mode", "dataset_auto_approval_allowlist",
		"model_auto_approval_mode", "model_auto_approval_allowlist", "leaderboard_public", "leaderboard_min_sites",
		"require_signed_results"},
}

// errNoField refuses an edit that changes nothing.
var errNoField = FieldError("body", "names no field to change")

// CheckEdit returns nil when fields may be changed on an entity of the
// given type in state `from`, moving to state `to`: an edit names at least
// one field (CodeInvalid); in DEVELOPMENT anything changes; OPERATION never
// goes back to DEVELOPMENT and in OPERATION only the fields of
// editableInOperation change (both CodeConflict: the input is well formed,
// it clashes with the entity's state). The error names the first field
// refused.
func CheckEdit(entityType string, from, to State, fields []string) error {
	if len(fields) == 0 {
		return errNoField
	}
	if from == StateOperation && to == StateDevelopment {
		return conflictOn("state", "OPERATION never goes back to DEVELOPMENT")
	}
	if !to.Valid() {
		return FieldError("state", "must be DEVELOPMENT or OPERATION")
	}
	if from != StateOperation {
		return nil
	}
	allowed := editableInOperation[entityType]
	for _, f := range fields {
		if f == "state" || slices.Contains(allowed, f) {
			continue
		}
		return conflictOn(f, "cannot change once the %s is in OPERATION (only %s can)", entityType, strings.Join(allowed, ", "))
	}
	return nil
}

// conflictOn returns a CodeConflict error about one field: a well-formed
// value the entity's current state refuses.
func conflictOn(field, format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CanEdit reports whether caller may edit an entity owned by owner.
func CanEdit(caller *User, owner int64) bool {
	return caller != nil && (caller.IsAdmin || caller.ID == owner)
}

// Per-user caps on what a user can pile up in the registry.
const (
	// MaxTokensPerUser is how many unrevoked API tokens a user may hold.
	MaxTokensPerUser = 50
	// MaxDraftResultsPerUser is how many draft (not finalized) results a
	// user may own at once.
	MaxDraftResultsPerUser = 500
)

// CheckTokenCap refuses a new token to a user who already holds active
// unrevoked tokens: CodeConflict once MaxTokensPerUser is reached.
func CheckTokenCap(active int) error {
	if active >= MaxTokensPerUser {
		return Errorf(CodeConflict, "you already hold %d active API tokens, the most allowed; revoke one you no longer use ('medperf auth token revoke') and try again", active)
	}
	return nil
}

// CheckDraftCap refuses a new draft result to a user who already owns
// drafts of them: CodeConflict once MaxDraftResultsPerUser is reached.
func CheckDraftCap(drafts int) error {
	if drafts >= MaxDraftResultsPerUser {
		return Errorf(CodeConflict, "you already have %d draft results, the most allowed; finalize or abandon some before submitting another draft", drafts)
	}
	return nil
}
