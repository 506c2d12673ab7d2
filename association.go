package medperf

import (
	"encoding/json"
	"slices"
	"time"
)

// ComponentKind says what a benchmark is associated with.
type ComponentKind string

// The component kinds.
const (
	KindDataset ComponentKind = "dataset"
	KindModel   ComponentKind = "model"
)

// CheckComponentKind refuses a kind other than dataset or model, with
// CodeInvalid on "kind".
func CheckComponentKind(k ComponentKind) error {
	if k != KindDataset && k != KindModel {
		return FieldError("kind", "must be dataset or model, not %q", k)
	}
	return nil
}

// Association is one row of the append-only history of a benchmark's link
// with a dataset or a model. The latest row of a pair is the one that counts.
type Association struct {
	ID             int64          `json:"id"`
	BenchmarkID    int64          `json:"benchmark"`
	Kind           ComponentKind  `json:"kind"`
	ComponentID    int64          `json:"component"`
	ApprovalStatus ApprovalStatus `json:"approval_status"`
	// InitiatedBy is the user who asked for the association (or withdrew it).
	InitiatedBy int64 `json:"initiated_by"`
	// Priority orders models in a run (higher first); set by the benchmark
	// owner; always 0 for datasets.
	Priority int `json:"priority"`
	// Metadata carries the compatibility-test result the request was made with.
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	ModifiedAt time.Time       `json:"modified_at"`
	ApprovedAt *time.Time      `json:"approved_at,omitempty"`
}

// AssociationViewers are the owners who decide who sees an association's
// metadata.
type AssociationViewers struct {
	Kind                           ComponentKind
	BenchmarkOwner, ComponentOwner int64
}

// CanSeeAssociationMetadata reports whether caller may read the metadata of
// an association row: the compatibility test of the benchmark's reference
// model on a hospital's data (dataset) or of a model on the demo data
// (model). These are results, so the parties are CanSeeResult's: the
// admin, the benchmark's owner, and the dataset's owner for a dataset
// association, the model's owner for a model association. Everyone else
// sees the row without its metadata (security finding 6). The store blanks
// it in ListAssociations and AssociationHistory.
func CanSeeAssociationMetadata(caller *User, v AssociationViewers) bool {
	rv := ResultViewers{BenchmarkOwner: v.BenchmarkOwner}
	switch v.Kind {
	case KindDataset:
		rv.DatasetOwner = v.ComponentOwner
	case KindModel:
		rv.ModelOwner = v.ComponentOwner
	}
	return CanSeeResult(caller, rv)
}

// AssociationRequest is the input of a new association request.
type AssociationRequest struct {
	ComponentID int64           `json:"component"`
	Metadata    json.RawMessage `json:"metadata,omitempty"`
}

// Validate checks the request's fields.
func (r AssociationRequest) Validate() error {
	if r.ComponentID <= 0 {
		return FieldError("component", "is required (the id of the dataset or model)")
	}
	return validJSONObject("metadata", r.Metadata)
}

// AssociationDecision is the input of a change to a pair's association:
// approval, rejection, withdrawal, or a new priority.
type AssociationDecision struct {
	ApprovalStatus *ApprovalStatus `json:"approval_status,omitempty"`
	Priority       *int            `json:"priority,omitempty"`
}

// Validate checks the decision's fields.
func (d AssociationDecision) Validate(kind ComponentKind) error {
	if d.ApprovalStatus == nil && d.Priority == nil {
		return FieldError("approval_status", "give approval_status or priority")
	}
	if d.ApprovalStatus != nil && !d.ApprovalStatus.Valid() {
		return FieldError("approval_status", "must be APPROVED or REJECTED")
	}
	if d.Priority != nil && kind != KindModel {
		return FieldError("priority", "only model associations have a priority")
	}
	return nil
}

// AssociationParties are the users an association rule looks at.
type AssociationParties struct {
	Caller         *User
	BenchmarkOwner int64
	ComponentOwner int64
}

// isParty reports whether the caller is the benchmark's owner, the
// component's owner or an admin.
func (p AssociationParties) isParty() bool {
	c := p.Caller
	return c != nil && (c.IsAdmin || c.ID == p.BenchmarkOwner || c.ID == p.ComponentOwner)
}

// AssociationPreconditions are the facts CheckAssociationRequest needs.
type AssociationPreconditions struct {
	Kind            ComponentKind
	BenchmarkStatus ApprovalStatus
	ComponentState  State
	ComponentValid  bool
	// IsModel is whether a model component has an infer task.
	IsModel bool
	// DatasetPreparator and BenchmarkPreparator are the preparator ids of a
	// dataset component and of the benchmark.
	DatasetPreparator, BenchmarkPreparator int64
	// Latest is the latest row of the pair, nil when there is none.
	Latest *Association
}

// CheckAssociationRequest returns nil when the caller may ask for a new
// association row for the pair: the caller is a party (benchmark owner,
// component owner or admin), the benchmark is APPROVED, the component is a
// valid OPERATION entity (a model has an infer task; a dataset was prepared
// with the benchmark's preparator), and the pair has no row yet or its
// latest row is REJECTED. A kind other than dataset or model is CodeInvalid.
func CheckAssociationRequest(p AssociationParties, pre AssociationPreconditions) error {
	if err := CheckComponentKind(pre.Kind); err != nil {
		return err
	}
	if !p.isParty() {
		return Errorf(CodeForbidden, "only the owner of the %s or of the benchmark may ask for this association", pre.Kind)
	}
	if pre.BenchmarkStatus != StatusApproved {
		return Errorf(CodeConflict, "the benchmark is %s; only an APPROVED benchmark accepts associations", pre.BenchmarkStatus)
	}
	if pre.ComponentState != StateOperation || !pre.ComponentValid {
		return Errorf(CodeConflict, "the %s must be valid and in OPERATION to join a benchmark", pre.Kind)
	}
	if pre.Kind == KindModel && !pre.IsModel {
		return FieldError("component", "the container has no infer task: it is not a model")
	}
	if pre.Kind == KindDataset && pre.DatasetPreparator != pre.BenchmarkPreparator {
		return FieldError("component", "the dataset was prepared with container %d, not the benchmark's preparator %d",
			pre.DatasetPreparator, pre.BenchmarkPreparator)
	}
	if pre.Latest != nil && pre.Latest.ApprovalStatus != StatusRejected {
		return Errorf(CodeConflict, "the association is already %s; a new request is possible only after a rejection",
			pre.Latest.ApprovalStatus)
	}
	return nil
}

// AutoApprovalInput are the facts AutoApprove decides on.
type AutoApprovalInput struct {
	Initiator, BenchmarkOwner, ComponentOwner int64
	ComponentOwnerEmail                       string
	Mode                                      AutoApprovalMode
	Allowlist                                 []string
}

// AutoApprove decides whether a new association request is approved at once,
// by MedPerf's rules in order: the component's owner is the benchmark's
// owner → approved; the initiator is the benchmark's owner → not approved
// (the component's owner must accept); mode ALWAYS → approved; mode
// ALLOWLIST and the component owner's email listed → approved.
func AutoApprove(in AutoApprovalInput) bool {
	switch {
	case in.ComponentOwner == in.BenchmarkOwner:
		return true
	case in.Initiator == in.BenchmarkOwner:
		return false
	case in.Mode == AutoApproveAlways:
		return true
	case in.Mode == AutoApproveAllowlist:
		return slices.Contains(in.Allowlist, in.ComponentOwnerEmail)
	}
	return false
}

// DecisionEffect says how the store applies an allowed decision.
type DecisionEffect int

// The effects of an allowed decision.
const (
	// UpdateLatest changes the status of the latest (PENDING) row.
	UpdateLatest DecisionEffect = iota + 1
	// AppendRow appends a new row (a withdrawal of an APPROVED pair).
	AppendRow
)

// CheckAssociationDecision returns how to apply a change of the pair's status
// to `to`, or the refusal:
//   - only the benchmark's owner, the component's owner or an admin decide;
//   - PENDING → APPROVED by anyone of them but the initiator (who may not
//     approve their own request);
//   - PENDING → REJECTED by any of them, the initiator included;
//   - APPROVED → REJECTED is a withdrawal, appended as a new row;
//   - nothing goes back to PENDING (ask again with a new request), a REJECTED
//     row never changes, an APPROVED row is never approved again.
func CheckAssociationDecision(p AssociationParties, latest Association, to ApprovalStatus) (DecisionEffect, error) {
	if !p.isParty() {
		return 0, Errorf(CodeForbidden, "only the owner of the benchmark or of the %s may decide on this association", latest.Kind)
	}
	from := latest.ApprovalStatus
	switch {
	case to == StatusPending:
		return 0, FieldError("approval_status", "cannot be set back to PENDING; send a new association request instead")
	case from == StatusPending && to == StatusApproved && p.Caller.ID == latest.InitiatedBy:
		return 0, Errorf(CodeForbidden, "you made this request: it must be approved by the other party")
	case from == StatusPending:
		return UpdateLatest, nil
	case from == StatusApproved && to == StatusRejected:
		return AppendRow, nil
	}
	return 0, Errorf(CodeConflict, "the association is %s and cannot become %s", from, to)
}

// CheckPriorityChange refuses a priority change by anyone but the
// benchmark's owner (or an admin).
func CheckPriorityChange(caller *User, benchmarkOwner int64) error {
	if caller == nil || (!caller.IsAdmin && caller.ID != benchmarkOwner) {
		return Errorf(CodeForbidden, "only the benchmark's owner sets a model's priority")
	}
	return nil
}

// AssociationFilter selects associations in a list; zero fields do not filter.
type AssociationFilter struct {
	BenchmarkID    int64
	Kind           ComponentKind
	ComponentID    int64
	ApprovalStatus ApprovalStatus
	Page
}
