package medperf

import "slices"

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
		"model_auto_approval_mode", "model_auto_approval_allowlist", "leaderboard_public", "require_signed_results"},
}

// errNoField refuses an edit that changes nothing.
var errNoField = FieldError("body", "names no field to change")

// CheckEdit returns nil when fields may be changed on an entity of the
// given type in state `from`, moving to state `to`: an edit names at least
// one field; in DEVELOPMENT anything changes; OPERATION never goes back to
// DEVELOPMENT; in OPERATION only the fields of editableInOperation change. The error names the first field
// refused.
func CheckEdit(entityType string, from, to State, fields []string) error {
	if len(fields) == 0 {
		return errNoField
	}
	if from == StateOperation && to == StateDevelopment {
		return FieldError("state", "OPERATION never goes back to DEVELOPMENT")
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
		return FieldError(f, "cannot change once the %s is in OPERATION (only %v can)", entityType, allowed)
	}
	return nil
}

// CanEdit reports whether caller may edit an entity owned by owner.
func CanEdit(caller *User, owner int64) bool {
	return caller != nil && (caller.IsAdmin || caller.ID == owner)
}
