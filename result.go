package medperf

import (
	"encoding/json"
	"time"
)

// Result is the outcome of running a model on a dataset for a benchmark: the
// evaluator's metrics, owned by the dataset's owner. A finalized result
// never changes; a benchmark, model and dataset have at most one finalized
// result.
type Result struct {
	Common
	Name        string          `json:"name,omitempty"`
	BenchmarkID int64           `json:"benchmark"`
	ModelID     int64           `json:"model"`
	DatasetID   int64           `json:"dataset"`
	Metrics     json.RawMessage `json:"results"`
	Finalized   bool            `json:"finalized"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
	// IdempotencyKey, chosen by the submitting client, makes a retried
	// submission return the first one's result instead of a new one.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Signed reports whether the result came with a DSSE envelope that
	// verified against the submitter's registered keys; Envelope is that
	// envelope's JSON (docs/trust.md), nil for unsigned results.
	Signed   bool            `json:"signed"`
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

// ResultInput is a submission of metrics. Finalized defaults to true: writing
// the metrics finalizes the result unless the client asks for a draft.
type ResultInput struct {
	Name           string          `json:"name,omitempty"`
	BenchmarkID    int64           `json:"benchmark"`
	ModelID        int64           `json:"model"`
	DatasetID      int64           `json:"dataset"`
	Metrics        json.RawMessage `json:"results"`
	Finalized      *bool           `json:"finalized,omitempty"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	UserMetadata   json.RawMessage `json:"user_metadata,omitempty"`
	// Envelope is the site's signature of the result: a DSSE envelope of
	// an in-toto statement whose metrics are Metrics (docs/trust.md).
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

// IsFinal reports whether the submission finalizes the result.
func (in ResultInput) IsFinal() bool { return in.Finalized == nil || *in.Finalized }

// Validate checks the submission's fields.
func (in ResultInput) Validate() error {
	for field, id := range map[string]int64{"benchmark": in.BenchmarkID, "model": in.ModelID, "dataset": in.DatasetID} {
		if id <= 0 {
			return FieldError(field, "is required (an id)")
		}
	}
	if len(in.Metrics) == 0 {
		return FieldError("results", "is required (the evaluator's metrics)")
	}
	checks := []error{
		// Bounds, then each value (naming its key: a number out of float
		// range is results.<name>), then the object as a whole.
		CheckJSONBounds("results", in.Metrics),
		CheckMetricValues(in.Metrics),
		validJSONObject("results", in.Metrics),
		limitText("name", in.Name, maxName),
		limitText("idempotency_key", in.IdempotencyKey, maxName),
		validJSONObject("metadata", in.Metadata),
		validJSONObject("user_metadata", in.UserMetadata),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// ResultPatch changes a draft result; a finalized one refuses every field
// but is_valid and user_metadata.
type ResultPatch struct {
	Metrics      *json.RawMessage `json:"results,omitempty"`
	Finalized    *bool            `json:"finalized,omitempty"`
	IsValid      *bool            `json:"is_valid,omitempty"`
	UserMetadata *json.RawMessage `json:"user_metadata,omitempty"`
}

// Fields returns the JSON names of the fields p sets.
func (p ResultPatch) Fields() []string {
	return setFields(map[string]bool{"results": p.Metrics != nil, "finalized": p.Finalized != nil,
		"is_valid": p.IsValid != nil, "user_metadata": p.UserMetadata != nil})
}

// CheckResultPatch refuses an empty patch, changes to a finalized result other than
// is_valid and user_metadata, and un-finalizing.
func CheckResultPatch(r Result, p ResultPatch) error {
	if len(p.Fields()) == 0 {
		return errNoField
	}
	if p.Finalized != nil && !*p.Finalized && r.Finalized {
		return conflictOn("finalized", "a finalized result cannot be reopened")
	}
	if r.Finalized && p.Metrics != nil {
		return Errorf(CodeConflict, "the result is finalized: its metrics never change")
	}
	if p.Metrics != nil {
		if err := CheckMetricValues(*p.Metrics); err != nil {
			return err
		}
		if err := validJSONObject("results", *p.Metrics); err != nil {
			return err
		}
	}
	if p.UserMetadata != nil {
		return validJSONObject("user_metadata", *p.UserMetadata)
	}
	return nil
}

// ResultFacts are what CheckResultAllowed decides on.
type ResultFacts struct {
	Caller       *User
	DatasetOwner int64
	// IsReference is whether the model is the benchmark's reference model.
	IsReference bool
	// DatasetStatus and ModelStatus are the latest association statuses of
	// the pairs, empty when there is none.
	DatasetStatus, ModelStatus ApprovalStatus
}

// CheckResultAllowed returns nil when a result may be submitted: by the
// dataset's owner (or an admin), when the dataset's latest association with
// the benchmark is APPROVED, and the model is the benchmark's reference
// model or its latest association is APPROVED too. The reference model
// needs no association of its own (it is part of the benchmark), but a
// dataset always does: a dataset outside the benchmark, or withdrawn from
// it, never contributes a result (issue 12, finding 3).
func CheckResultAllowed(f ResultFacts) error {
	if f.Caller == nil || (!f.Caller.IsAdmin && f.Caller.ID != f.DatasetOwner) {
		return Errorf(CodeForbidden, "only the dataset's owner submits its results")
	}
	if f.DatasetStatus != StatusApproved {
		return Errorf(CodeConflict, "the dataset is not an approved participant of the benchmark; ask for its association and wait for the benchmark owner's approval")
	}
	if f.IsReference {
		return nil
	}
	if f.ModelStatus != StatusApproved {
		return Errorf(CodeConflict, "the model is not an approved participant of the benchmark")
	}
	return nil
}

// ResultViewers are the owners who decide who sees a result.
type ResultViewers struct {
	BenchmarkOwner, ModelOwner, DatasetOwner int64
}

// CanSeeResult reports whether caller may read a result: the admin, the
// benchmark's owner, the dataset's owner and the model's owner; nobody else
// (whether the result is a draft, finalized or invalid, and who submitted
// it, do not matter). The store enforces the same rule in SQL, for
// GetResult, ListResults and leaderboards; sqldb's
// TestResultVisibilityConformsToCanSeeResult runs the whole permission
// matrix against both, on SQLite and PostgreSQL.
func CanSeeResult(caller *User, v ResultViewers) bool {
	if caller == nil {
		return false
	}
	return caller.IsAdmin || caller.ID == v.BenchmarkOwner || caller.ID == v.ModelOwner || caller.ID == v.DatasetOwner
}

// ResultFilter selects results in a list; zero fields do not filter.
type ResultFilter struct {
	BenchmarkID int64
	ModelID     int64
	DatasetID   int64
	Owner       int64
	Page
}
