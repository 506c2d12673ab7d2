package medperf

import (
	"encoding/json"
	"net/mail"
	"time"
)

// AutoApprovalMode says which association requests a benchmark approves
// without its owner's action.
type AutoApprovalMode string

// The auto-approval modes.
const (
	AutoApproveNever     AutoApprovalMode = "NEVER"
	AutoApproveAlways    AutoApprovalMode = "ALWAYS"
	AutoApproveAllowlist AutoApprovalMode = "ALLOWLIST"
)

// Valid reports whether m is a known mode.
func (m AutoApprovalMode) Valid() bool {
	return m == AutoApproveNever || m == AutoApproveAlways || m == AutoApproveAllowlist
}

// Benchmark is a registered benchmark: its specification, its three
// containers, its demo dataset, and its approval and association policies.
type Benchmark struct {
	Common
	Name                 string `json:"name"`
	Description          string `json:"description"`
	DocsURL              string `json:"docs_url,omitempty"`
	Document             string `json:"document,omitempty"` // Markdown
	ClinicalTask         string `json:"clinical_task"`
	TargetPopulation     string `json:"target_population"`
	LabellingMethodology string `json:"labelling_methodology"`
	// DemoDatasetURL and DemoDatasetHash locate and verify the demo
	// tarball; DemoDatasetGeneratedUID is the hash of the prepared demo data.
	DemoDatasetURL           string `json:"demo_dataset_tarball_url"`
	DemoDatasetHash          string `json:"demo_dataset_tarball_hash"`
	DemoDatasetGeneratedUID  string `json:"demo_dataset_generated_uid"`
	DataPreparationContainer int64  `json:"data_preparation_mlcube"`
	ReferenceModelContainer  int64  `json:"reference_model_mlcube"`
	DataEvaluatorContainer   int64  `json:"data_evaluator_mlcube"`
	// Metrics declares the metrics the evaluator reports: a MetricSet as
	// JSON, or nothing for MedPerf's free-form results.
	Metrics        json.RawMessage `json:"metrics,omitempty"`
	ApprovalStatus ApprovalStatus  `json:"approval_status"`
	ApprovedAt     *time.Time      `json:"approved_at,omitempty"`
	State          State           `json:"state"`
	// LeaderboardPublic publishes the leaderboard's aggregate rows to
	// every signed-in user (see LeaderboardScope).
	LeaderboardPublic bool `json:"leaderboard_public"`
	// RequireSignedResults refuses results without a valid signature by
	// one of the submitter's registered keys (docs/trust.md).
	RequireSignedResults bool `json:"require_signed_results"`
	// LeaderboardMinSites is k, the fewest sites whose values a published
	// aggregate must combine: a published row with fewer is withheld, so
	// that no site's value can be read or derived from it (issue 12,
	// finding 17). DefaultLeaderboardMinSites unless the owner declares
	// more.
	LeaderboardMinSites int `json:"leaderboard_min_sites"`
	AutoApproval
}

// DefaultLeaderboardMinSites is k when a benchmark declares none: with one
// site an aggregate is that site's value, with two either participant
// derives the other's from the mean.
const DefaultLeaderboardMinSites = 3

// MaxLeaderboardMinSites bounds the k a benchmark may declare.
const MaxLeaderboardMinSites = 10000

// CheckLeaderboardMinSites checks a declared k: 0 (the default) or between
// DefaultLeaderboardMinSites and MaxLeaderboardMinSites; a benchmark may
// raise the floor, never lower it.
func CheckLeaderboardMinSites(k int) error {
	if k != 0 && (k < DefaultLeaderboardMinSites || k > MaxLeaderboardMinSites) {
		return FieldError("leaderboard_min_sites", "must be between %d and %d (or left out for %d)",
			DefaultLeaderboardMinSites, MaxLeaderboardMinSites, DefaultLeaderboardMinSites)
	}
	return nil
}

// AutoApproval is a benchmark's policy for association requests.
type AutoApproval struct {
	DatasetAutoApprovalMode      AutoApprovalMode `json:"dataset_auto_approval_mode"`
	DatasetAutoApprovalAllowlist []string         `json:"dataset_auto_approval_allowlist"`
	ModelAutoApprovalMode        AutoApprovalMode `json:"model_auto_approval_mode"`
	ModelAutoApprovalAllowlist   []string         `json:"model_auto_approval_allowlist"`
}

// BenchmarkInput is the writable part of a benchmark, for creation.
type BenchmarkInput struct {
	Name                     string           `json:"name"`
	Description              string           `json:"description"`
	DocsURL                  string           `json:"docs_url,omitempty"`
	Document                 string           `json:"document,omitempty"`
	ClinicalTask             string           `json:"clinical_task"`
	TargetPopulation         string           `json:"target_population"`
	LabellingMethodology     string           `json:"labelling_methodology"`
	DemoDatasetURL           string           `json:"demo_dataset_tarball_url"`
	DemoDatasetHash          string           `json:"demo_dataset_tarball_hash"`
	DemoDatasetGeneratedUID  string           `json:"demo_dataset_generated_uid"`
	DataPreparationContainer int64            `json:"data_preparation_mlcube"`
	ReferenceModelContainer  int64            `json:"reference_model_mlcube"`
	DataEvaluatorContainer   int64            `json:"data_evaluator_mlcube"`
	Metrics                  json.RawMessage  `json:"metrics,omitempty"`
	State                    State            `json:"state,omitempty"`
	Metadata                 json.RawMessage  `json:"metadata,omitempty"`
	UserMetadata             json.RawMessage  `json:"user_metadata,omitempty"`
	DatasetAutoApprovalMode  AutoApprovalMode `json:"dataset_auto_approval_mode,omitempty"`
	DatasetAutoApprovalAllow []string         `json:"dataset_auto_approval_allowlist,omitempty"`
	ModelAutoApprovalMode    AutoApprovalMode `json:"model_auto_approval_mode,omitempty"`
	ModelAutoApprovalAllow   []string         `json:"model_auto_approval_allowlist,omitempty"`
	LeaderboardPublic        bool             `json:"leaderboard_public,omitempty"`
	// RequireSignedResults defaults to true (DefaultRequireSignedResults)
	// when omitted: a new benchmark accepts signed results only.
	RequireSignedResults *bool `json:"require_signed_results,omitempty"`
	LeaderboardMinSites  int   `json:"leaderboard_min_sites,omitempty"`
}

// DefaultRequireSignedResults is the setting of a new benchmark that does not
// say whether it requires signed results.
const DefaultRequireSignedResults = true

// RequiresSignedResults returns the setting in asks for, or the default.
func (in BenchmarkInput) RequiresSignedResults() bool {
	if in.RequireSignedResults == nil {
		return DefaultRequireSignedResults
	}
	return *in.RequireSignedResults
}

// BenchmarkPatch lists the fields a PATCH may change; nil means unchanged.
// ApprovalStatus is the admin's decision, checked by CheckBenchmarkApproval.
type BenchmarkPatch struct {
	Name                     *string           `json:"name,omitempty"`
	Description              *string           `json:"description,omitempty"`
	DocsURL                  *string           `json:"docs_url,omitempty"`
	Document                 *string           `json:"document,omitempty"`
	ClinicalTask             *string           `json:"clinical_task,omitempty"`
	TargetPopulation         *string           `json:"target_population,omitempty"`
	LabellingMethodology     *string           `json:"labelling_methodology,omitempty"`
	DemoDatasetURL           *string           `json:"demo_dataset_tarball_url,omitempty"`
	DemoDatasetHash          *string           `json:"demo_dataset_tarball_hash,omitempty"`
	DemoDatasetGeneratedUID  *string           `json:"demo_dataset_generated_uid,omitempty"`
	DataPreparationContainer *int64            `json:"data_preparation_mlcube,omitempty"`
	ReferenceModelContainer  *int64            `json:"reference_model_mlcube,omitempty"`
	DataEvaluatorContainer   *int64            `json:"data_evaluator_mlcube,omitempty"`
	Metrics                  *json.RawMessage  `json:"metrics,omitempty"`
	State                    *State            `json:"state,omitempty"`
	IsValid                  *bool             `json:"is_valid,omitempty"`
	Metadata                 *json.RawMessage  `json:"metadata,omitempty"`
	UserMetadata             *json.RawMessage  `json:"user_metadata,omitempty"`
	ApprovalStatus           *ApprovalStatus   `json:"approval_status,omitempty"`
	DatasetAutoApprovalMode  *AutoApprovalMode `json:"dataset_auto_approval_mode,omitempty"`
	DatasetAutoApprovalAllow *[]string         `json:"dataset_auto_approval_allowlist,omitempty"`
	ModelAutoApprovalMode    *AutoApprovalMode `json:"model_auto_approval_mode,omitempty"`
	ModelAutoApprovalAllow   *[]string         `json:"model_auto_approval_allowlist,omitempty"`
	LeaderboardPublic        *bool             `json:"leaderboard_public,omitempty"`
	RequireSignedResults     *bool             `json:"require_signed_results,omitempty"`
	LeaderboardMinSites      *int              `json:"leaderboard_min_sites,omitempty"`
}

// Fields returns the JSON names of the fields p sets.
func (p BenchmarkPatch) Fields() []string {
	return setFields(map[string]bool{
		"name": p.Name != nil, "description": p.Description != nil, "docs_url": p.DocsURL != nil,
		"document": p.Document != nil, "clinical_task": p.ClinicalTask != nil,
		"target_population": p.TargetPopulation != nil, "labelling_methodology": p.LabellingMethodology != nil,
		"demo_dataset_tarball_url": p.DemoDatasetURL != nil, "demo_dataset_tarball_hash": p.DemoDatasetHash != nil,
		"demo_dataset_generated_uid": p.DemoDatasetGeneratedUID != nil,
		"data_preparation_mlcube":    p.DataPreparationContainer != nil,
		"reference_model_mlcube":     p.ReferenceModelContainer != nil,
		"data_evaluator_mlcube":      p.DataEvaluatorContainer != nil, "metrics": p.Metrics != nil,
		"state": p.State != nil, "is_valid": p.IsValid != nil, "metadata": p.Metadata != nil,
		"user_metadata": p.UserMetadata != nil, "approval_status": p.ApprovalStatus != nil,
		"dataset_auto_approval_mode":      p.DatasetAutoApprovalMode != nil,
		"dataset_auto_approval_allowlist": p.DatasetAutoApprovalAllow != nil,
		"model_auto_approval_mode":        p.ModelAutoApprovalMode != nil,
		"model_auto_approval_allowlist":   p.ModelAutoApprovalAllow != nil,
		"leaderboard_public":              p.LeaderboardPublic != nil,
		"require_signed_results":          p.RequireSignedResults != nil,
		"leaderboard_min_sites":           p.LeaderboardMinSites != nil,
	})
}

// Apply returns b with the fields of p applied, except ApprovalStatus, which
// the service applies after CheckBenchmarkApproval.
func (p BenchmarkPatch) Apply(b Benchmark) Benchmark {
	set(&b.Name, p.Name)
	set(&b.Description, p.Description)
	set(&b.DocsURL, p.DocsURL)
	set(&b.Document, p.Document)
	set(&b.ClinicalTask, p.ClinicalTask)
	set(&b.TargetPopulation, p.TargetPopulation)
	set(&b.LabellingMethodology, p.LabellingMethodology)
	set(&b.DemoDatasetURL, p.DemoDatasetURL)
	set(&b.DemoDatasetHash, p.DemoDatasetHash)
	set(&b.DemoDatasetGeneratedUID, p.DemoDatasetGeneratedUID)
	set(&b.DataPreparationContainer, p.DataPreparationContainer)
	set(&b.ReferenceModelContainer, p.ReferenceModelContainer)
	set(&b.DataEvaluatorContainer, p.DataEvaluatorContainer)
	set(&b.Metrics, p.Metrics)
	set(&b.State, p.State)
	set(&b.IsValid, p.IsValid)
	set(&b.Metadata, p.Metadata)
	set(&b.UserMetadata, p.UserMetadata)
	set(&b.DatasetAutoApprovalMode, p.DatasetAutoApprovalMode)
	set(&b.DatasetAutoApprovalAllowlist, p.DatasetAutoApprovalAllow)
	set(&b.ModelAutoApprovalMode, p.ModelAutoApprovalMode)
	set(&b.ModelAutoApprovalAllowlist, p.ModelAutoApprovalAllow)
	set(&b.LeaderboardPublic, p.LeaderboardPublic)
	set(&b.RequireSignedResults, p.RequireSignedResults)
	set(&b.LeaderboardMinSites, p.LeaderboardMinSites)
	return b
}

// Input returns the writable fields of b.
func (b Benchmark) Input() BenchmarkInput {
	return BenchmarkInput{
		Name: b.Name, Description: b.Description, DocsURL: b.DocsURL, Document: b.Document,
		ClinicalTask: b.ClinicalTask, TargetPopulation: b.TargetPopulation,
		LabellingMethodology: b.LabellingMethodology, DemoDatasetURL: b.DemoDatasetURL,
		DemoDatasetHash: b.DemoDatasetHash, DemoDatasetGeneratedUID: b.DemoDatasetGeneratedUID,
		DataPreparationContainer: b.DataPreparationContainer, ReferenceModelContainer: b.ReferenceModelContainer,
		DataEvaluatorContainer: b.DataEvaluatorContainer, Metrics: b.Metrics, State: b.State,
		Metadata: b.Metadata, UserMetadata: b.UserMetadata,
		DatasetAutoApprovalMode: b.DatasetAutoApprovalMode, DatasetAutoApprovalAllow: b.DatasetAutoApprovalAllowlist,
		ModelAutoApprovalMode: b.ModelAutoApprovalMode, ModelAutoApprovalAllow: b.ModelAutoApprovalAllowlist,
		LeaderboardPublic: b.LeaderboardPublic, RequireSignedResults: &b.RequireSignedResults,
		LeaderboardMinSites: b.LeaderboardMinSites,
	}
}

// Validate checks a benchmark's own fields (not its containers, which the
// service checks with CheckBenchmarkContainers). It fills defaults: state
// DEVELOPMENT, auto-approval NEVER.
func (in *BenchmarkInput) Validate() error {
	checks := []error{
		requireText("name", in.Name, maxName),
		requireText("description", in.Description, maxText),
		requireText("clinical_task", in.ClinicalTask, maxText),
		requireText("target_population", in.TargetPopulation, maxText),
		requireText("labelling_methodology", in.LabellingMethodology, maxText),
		limitText("document", in.Document, maxDocument),
		checkURL("demo_dataset_tarball_url", in.DemoDatasetURL),
		checkSHA256("demo_dataset_tarball_hash", in.DemoDatasetHash),
		checkSHA256("demo_dataset_generated_uid", in.DemoDatasetGeneratedUID),
		validJSONObject("metadata", in.Metadata),
		validJSONObject("user_metadata", in.UserMetadata),
		checkAllowlist("dataset_auto_approval_allowlist", in.DatasetAutoApprovalAllow),
		checkAllowlist("model_auto_approval_allowlist", in.ModelAutoApprovalAllow),
		CheckLeaderboardMinSites(in.LeaderboardMinSites),
	}
	if in.LeaderboardMinSites == 0 {
		in.LeaderboardMinSites = DefaultLeaderboardMinSites
	}
	if in.DocsURL != "" {
		checks = append(checks, checkURL("docs_url", in.DocsURL))
	}
	checks = append(checks, checkMetricsField(in.Metrics))
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if !namePattern.MatchString(in.Name) {
		return FieldError("name", "may hold letters, digits, spaces and ._:/@+- only")
	}
	for field, id := range map[string]int64{"data_preparation_mlcube": in.DataPreparationContainer,
		"reference_model_mlcube": in.ReferenceModelContainer, "data_evaluator_mlcube": in.DataEvaluatorContainer} {
		if id <= 0 {
			return FieldError(field, "is required (the id of a registered container)")
		}
	}
	if in.State == "" {
		in.State = StateDevelopment
	}
	if !in.State.Valid() {
		return FieldError("state", "must be DEVELOPMENT or OPERATION")
	}
	return in.defaultModes()
}

func (in *BenchmarkInput) defaultModes() error {
	for field, m := range map[string]*AutoApprovalMode{"dataset_auto_approval_mode": &in.DatasetAutoApprovalMode,
		"model_auto_approval_mode": &in.ModelAutoApprovalMode} {
		if *m == "" {
			*m = AutoApproveNever
		}
		if !m.Valid() {
			return FieldError(field, "must be NEVER, ALWAYS or ALLOWLIST")
		}
	}
	return nil
}

func checkAllowlist(field string, emails []string) error {
	if len(emails) > 1000 {
		return FieldError(field, "holds more than 1000 emails")
	}
	for _, e := range emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
			return FieldError(field, "%q is not an email address", e)
		}
	}
	return nil
}

// BenchmarkContainers are the three containers a benchmark names, as the
// service found them.
type BenchmarkContainers struct {
	Preparator, ReferenceModel, Evaluator *Container
}

// CheckBenchmarkContainers checks that the containers a benchmark names
// exist and have the task their role needs (prepare, infer, evaluate).
func CheckBenchmarkContainers(c BenchmarkContainers) error {
	roles := []struct {
		field, task string
		c           *Container
	}{
		{"data_preparation_mlcube", TaskPrepare, c.Preparator},
		{"reference_model_mlcube", TaskInfer, c.ReferenceModel},
		{"data_evaluator_mlcube", TaskEvaluate, c.Evaluator},
	}
	for _, r := range roles {
		if r.c == nil {
			return FieldError(r.field, "no such container")
		}
		if !r.c.HasTask(r.task) {
			return FieldError(r.field, "container %d has no %s task", r.c.ID, r.task)
		}
	}
	return nil
}

// BenchmarkFilter selects benchmarks in a list; zero fields do not filter.
type BenchmarkFilter struct {
	Owner          int64
	State          State
	ApprovalStatus ApprovalStatus
	Name           string
	Page
}
