package medperf

import (
	"encoding/json"
	"strings"
	"testing"
)

// fieldOf returns the field of err when it is an *Error, "" otherwise.
func fieldOf(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Field
	}
	return ""
}

func validBenchmark() BenchmarkInput {
	h := strings.Repeat("a", 64)
	return BenchmarkInput{Name: "b", Description: "d", ClinicalTask: "t", TargetPopulation: "p", LabellingMethodology: "l",
		DemoDatasetURL: "https://x/demo.tar.gz", DemoDatasetHash: h, DemoDatasetGeneratedUID: h,
		DataPreparationContainer: 1, ReferenceModelContainer: 2, DataEvaluatorContainer: 3}
}

func TestBenchmarkInputValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*BenchmarkInput)
		field string
	}{
		{"valid, with defaults filled", func(*BenchmarkInput) {}, ""},
		{"missing clinical task", func(b *BenchmarkInput) { b.ClinicalTask = "" }, "clinical_task"},
		{"demo URL not http", func(b *BenchmarkInput) { b.DemoDatasetURL = "file:///etc/passwd" }, "demo_dataset_tarball_url"},
		{"demo hash not sha256", func(b *BenchmarkInput) { b.DemoDatasetHash = "abc" }, "demo_dataset_tarball_hash"},
		{"docs URL not http", func(b *BenchmarkInput) { b.DocsURL = "javascript:alert(1)" }, "docs_url"},
		{"missing evaluator", func(b *BenchmarkInput) { b.DataEvaluatorContainer = 0 }, "data_evaluator_mlcube"},
		{"unknown mode", func(b *BenchmarkInput) { b.ModelAutoApprovalMode = "SOMETIMES" }, "model_auto_approval_mode"},
		{"bad allowlist email", func(b *BenchmarkInput) { b.DatasetAutoApprovalAllow = []string{"not an email"} }, "dataset_auto_approval_allowlist"},
		{"document too long", func(b *BenchmarkInput) { b.Document = strings.Repeat("x", maxDocument+1) }, "document"},
		{"metrics not JSON", func(b *BenchmarkInput) { b.Metrics = json.RawMessage(`{`) }, "metrics"},
		{"unknown state", func(b *BenchmarkInput) { b.State = "LIVE" }, "state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validBenchmark()
			tt.edit(&in)
			err := in.Validate()
			if fieldOf(err) != tt.field || (tt.field == "") != (err == nil) {
				t.Fatalf("error %v, want field %q", err, tt.field)
			}
			if err == nil && (in.State != StateDevelopment || in.ModelAutoApprovalMode != AutoApproveNever) {
				t.Fatalf("defaults not filled: %+v", in)
			}
		})
	}
}

func TestDatasetInputValidate(t *testing.T) {
	h := strings.Repeat("b", 64)
	tests := []struct {
		name  string
		in    DatasetInput
		field string
	}{
		{"valid", DatasetInput{Name: "d", InputDataHash: h, DataPreparationContainer: 1}, ""},
		{"missing raw hash", DatasetInput{Name: "d", DataPreparationContainer: 1}, "input_data_hash"},
		{"operation without prepared hash", DatasetInput{Name: "d", InputDataHash: h, DataPreparationContainer: 1, State: StateOperation}, "generated_uid"},
		{"bad prepared hash", DatasetInput{Name: "d", InputDataHash: h, GeneratedUID: "x", DataPreparationContainer: 1}, "generated_uid"},
		{"statistics not an object", DatasetInput{Name: "d", InputDataHash: h, DataPreparationContainer: 1, GeneratedMetadata: json.RawMessage(`[1]`)}, "generated_metadata"},
		{"missing preparator", DatasetInput{Name: "d", InputDataHash: h}, "data_preparation_mlcube"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if fieldOf(err) != tt.field || (tt.field == "") != (err == nil) {
				t.Fatalf("error %v, want field %q", err, tt.field)
			}
		})
	}
}

func TestResultAndUserAndPageValidation(t *testing.T) {
	ok := ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3, Metrics: json.RawMessage(`{"dice":0.9}`)}
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"a valid result", ok.Validate(), ""},
		{"a result without metrics", ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3}.Validate(), "results"},
		{"metrics that are not an object", ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3, Metrics: json.RawMessage(`5`)}.Validate(), "results"},
		{"a result without a model", ResultInput{BenchmarkID: 1, DatasetID: 3, Metrics: ok.Metrics}.Validate(), "model"},
		{"a valid user", NewUser{Email: "a@b.org"}.Validate(), ""},
		{"a user without email", NewUser{}.Validate(), "email"},
		{"an email with a display name", NewUser{Email: "A <a@b.org>"}.Validate(), "email"},
		{"a request without component", AssociationRequest{}.Validate(), "component"},
		{"a decision with nothing", AssociationDecision{}.Validate(KindModel), "approval_status"},
		{"a priority for a dataset", AssociationDecision{Priority: ptr(1)}.Validate(KindDataset), "priority"},
		{"an unknown status", AssociationDecision{ApprovalStatus: ptr(ApprovalStatus("OK"))}.Validate(KindModel), "approval_status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fieldOf(tt.err) != tt.field || (tt.field == "") != (tt.err == nil) {
				t.Fatalf("error %v, want field %q", tt.err, tt.field)
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		if p, err := (Page{}).Normalize(); err != nil || p.Limit != DefaultPageSize {
			t.Fatalf("%+v %v", p, err)
		}
		for _, p := range []Page{{Limit: MaxPageSize + 1}, {Limit: -1}, {Offset: -1}} {
			if _, err := p.Normalize(); ErrorCode(err) != CodeInvalid {
				t.Errorf("%+v: %v", p, err)
			}
		}
	})
	if !ok.IsFinal() || (ResultInput{Finalized: ptr(false)}).IsFinal() {
		t.Error("IsFinal disagrees with its contract")
	}
}

func TestCallerContext(t *testing.T) {
	ctx := WithCaller(t.Context(), &User{ID: 9})
	if u, err := RequireCaller(ctx); err != nil || u.ID != 9 {
		t.Fatal(u, err)
	}
	if _, err := RequireCaller(t.Context()); ErrorCode(err) != CodeUnauthorized {
		t.Fatal(err)
	}
}
