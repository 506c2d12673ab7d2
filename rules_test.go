package medperf

import (
	"encoding/json"
	"testing"
)

var (
	admin   = &User{ID: 1, IsAdmin: true}
	bOwner  = &User{ID: 2}
	cOwner  = &User{ID: 3}
	another = &User{ID: 4}
)

func TestCheckBenchmarkApproval(t *testing.T) {
	tests := []struct {
		name     string
		caller   *User
		from, to ApprovalStatus
		want     Code
	}{
		{"admin approves a pending benchmark", admin, StatusPending, StatusApproved, ""},
		{"admin rejects a pending benchmark", admin, StatusPending, StatusRejected, ""},
		{"admin rejects an approved benchmark", admin, StatusApproved, StatusRejected, ""},
		{"owner cannot approve", bOwner, StatusPending, StatusApproved, CodeForbidden},
		{"anonymous cannot approve", nil, StatusPending, StatusApproved, CodeForbidden},
		{"never back to pending", admin, StatusApproved, StatusPending, CodeInvalid},
		{"rejected is never approved", admin, StatusRejected, StatusApproved, CodeConflict},
		{"approving twice is a conflict", admin, StatusApproved, StatusApproved, CodeConflict},
		{"unknown status is invalid", admin, StatusPending, "MAYBE", CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckBenchmarkApproval(tt.caller, tt.from, tt.to)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckNewBenchmark(t *testing.T) {
	if err := CheckNewBenchmark(0); err != nil {
		t.Errorf("no pending benchmark: %v", err)
	}
	if ErrorCode(CheckNewBenchmark(1)) != CodeConflict {
		t.Error("a second pending benchmark is allowed")
	}
}

func TestCheckBenchmarkOperation(t *testing.T) {
	op := &Container{State: StateOperation}
	dev := &Container{State: StateDevelopment}
	tests := []struct {
		name  string
		state State
		c     BenchmarkContainers
		want  Code
	}{
		{"operation with three operation containers", StateOperation, BenchmarkContainers{op, op, op}, ""},
		{"operation with a development evaluator is refused", StateOperation, BenchmarkContainers{op, op, dev}, CodeInvalid},
		{"development with development containers", StateDevelopment, BenchmarkContainers{dev, dev, dev}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckBenchmarkOperation(tt.state, tt.c)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckEdit(t *testing.T) {
	tests := []struct {
		name     string
		entity   string
		from, to State
		fields   []string
		want     Code
	}{
		{"an edit of nothing is refused", "container", StateDevelopment, StateDevelopment, nil, CodeInvalid},
		{"development edits anything", "container", StateDevelopment, StateDevelopment, []string{"name", "config"}, ""},
		{"development moves to operation", "dataset", StateDevelopment, StateOperation, []string{"state"}, ""},
		{"operation never goes back", "dataset", StateOperation, StateDevelopment, []string{"state"}, CodeConflict},
		{"operation keeps is_valid editable", "container", StateOperation, StateOperation, []string{"is_valid", "user_metadata"}, ""},
		{"operation freezes the name", "container", StateOperation, StateOperation, []string{"name"}, CodeConflict},
		{"operation benchmark keeps its policy editable", "benchmark", StateOperation, StateOperation, []string{"model_auto_approval_mode"}, ""},
		{"operation benchmark freezes its description", "benchmark", StateOperation, StateOperation, []string{"description"}, CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckEdit(tt.entity, tt.from, tt.to, tt.fields)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAutoApprove(t *testing.T) {
	base := AutoApprovalInput{Initiator: 3, BenchmarkOwner: 2, ComponentOwner: 3, ComponentOwnerEmail: "c@x.org", Mode: AutoApproveNever}
	tests := []struct {
		name string
		edit func(*AutoApprovalInput)
		want bool
	}{
		{"mode NEVER waits", func(*AutoApprovalInput) {}, false},
		{"component of the benchmark owner is approved", func(in *AutoApprovalInput) { in.ComponentOwner, in.Initiator = 2, 2 }, true},
		{"initiated by the benchmark owner waits, even under ALWAYS", func(in *AutoApprovalInput) { in.Initiator, in.Mode = 2, AutoApproveAlways }, false},
		{"mode ALWAYS approves", func(in *AutoApprovalInput) { in.Mode = AutoApproveAlways }, true},
		{"ALLOWLIST with the email approves", func(in *AutoApprovalInput) {
			in.Mode, in.Allowlist = AutoApproveAllowlist, []string{"c@x.org"}
		}, true},
		{"ALLOWLIST without the email waits", func(in *AutoApprovalInput) {
			in.Mode, in.Allowlist = AutoApproveAllowlist, []string{"d@x.org"}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			if got := AutoApprove(in); got != tt.want {
				t.Errorf("AutoApprove = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckAssociationRequest(t *testing.T) {
	ok := AssociationPreconditions{Kind: KindDataset, BenchmarkStatus: StatusApproved, ComponentState: StateOperation,
		ComponentValid: true, DatasetPreparator: 7, BenchmarkPreparator: 7}
	parties := AssociationParties{Caller: cOwner, BenchmarkOwner: 2, ComponentOwner: 3}
	tests := []struct {
		name    string
		parties AssociationParties
		edit    func(*AssociationPreconditions)
		want    Code
	}{
		{"first request is allowed", parties, func(*AssociationPreconditions) {}, ""},
		{"a stranger is refused", AssociationParties{Caller: another, BenchmarkOwner: 2, ComponentOwner: 3}, func(*AssociationPreconditions) {}, CodeForbidden},
		{"the benchmark owner may initiate", AssociationParties{Caller: bOwner, BenchmarkOwner: 2, ComponentOwner: 3}, func(*AssociationPreconditions) {}, ""},
		{"a pending benchmark is refused", parties, func(p *AssociationPreconditions) { p.BenchmarkStatus = StatusPending }, CodeConflict},
		{"a development dataset is refused", parties, func(p *AssociationPreconditions) { p.ComponentState = StateDevelopment }, CodeConflict},
		{"an invalid dataset is refused", parties, func(p *AssociationPreconditions) { p.ComponentValid = false }, CodeConflict},
		{"another preparator is refused", parties, func(p *AssociationPreconditions) { p.DatasetPreparator = 8 }, CodeInvalid},
		{"a container that is not a model is refused", parties, func(p *AssociationPreconditions) { p.Kind = KindModel }, CodeInvalid},
		{"again while pending is refused", parties, func(p *AssociationPreconditions) { p.Latest = &Association{ApprovalStatus: StatusPending} }, CodeConflict},
		{"again while approved is refused", parties, func(p *AssociationPreconditions) { p.Latest = &Association{ApprovalStatus: StatusApproved} }, CodeConflict},
		{"again after a rejection is allowed", parties, func(p *AssociationPreconditions) { p.Latest = &Association{ApprovalStatus: StatusRejected} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pre := ok
			tt.edit(&pre)
			if got := ErrorCode(CheckAssociationRequest(tt.parties, pre)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckAssociationDecision(t *testing.T) {
	byComponent := Association{Kind: KindDataset, ApprovalStatus: StatusPending, InitiatedBy: 3}
	approved := Association{Kind: KindDataset, ApprovalStatus: StatusApproved, InitiatedBy: 3}
	rejected := Association{Kind: KindDataset, ApprovalStatus: StatusRejected, InitiatedBy: 3}
	p := func(u *User) AssociationParties {
		return AssociationParties{Caller: u, BenchmarkOwner: 2, ComponentOwner: 3}
	}
	tests := []struct {
		name   string
		caller *User
		latest Association
		to     ApprovalStatus
		effect DecisionEffect
		want   Code
	}{
		{"benchmark owner approves a component's request", bOwner, byComponent, StatusApproved, UpdateLatest, ""},
		{"admin approves", admin, byComponent, StatusApproved, UpdateLatest, ""},
		{"initiator cannot approve their own request", cOwner, byComponent, StatusApproved, 0, CodeForbidden},
		{"initiator may reject their own request", cOwner, byComponent, StatusRejected, UpdateLatest, ""},
		{"benchmark owner rejects", bOwner, byComponent, StatusRejected, UpdateLatest, ""},
		{"a stranger cannot decide", another, byComponent, StatusRejected, 0, CodeForbidden},
		{"nothing goes back to pending", bOwner, byComponent, StatusPending, 0, CodeInvalid},
		{"withdrawal appends a row", cOwner, approved, StatusRejected, AppendRow, ""},
		{"approved is not approved again", bOwner, approved, StatusApproved, 0, CodeConflict},
		{"rejected never changes", bOwner, rejected, StatusApproved, 0, CodeConflict},
		{"rejected is not rejected again", bOwner, rejected, StatusRejected, 0, CodeConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			effect, err := CheckAssociationDecision(p(tt.caller), tt.latest, tt.to)
			if got := ErrorCode(err); got != tt.want || effect != tt.effect {
				t.Errorf("effect %d, code %q; want %d, %q", effect, got, tt.effect, tt.want)
			}
		})
	}
}

func TestCheckPriorityChange(t *testing.T) {
	for _, tt := range []struct {
		caller *User
		want   Code
	}{{bOwner, ""}, {admin, ""}, {cOwner, CodeForbidden}, {nil, CodeForbidden}} {
		if got := ErrorCode(CheckPriorityChange(tt.caller, 2)); got != tt.want {
			t.Errorf("caller %+v: code %q, want %q", tt.caller, got, tt.want)
		}
	}
}

func TestCheckResultAllowed(t *testing.T) {
	tests := []struct {
		name string
		f    ResultFacts
		want Code
	}{
		{"reference model without associations", ResultFacts{Caller: cOwner, DatasetOwner: 3, IsReference: true, DatasetStatus: StatusApproved}, ""},
		{"both approved", ResultFacts{Caller: cOwner, DatasetOwner: 3, DatasetStatus: StatusApproved, ModelStatus: StatusApproved}, ""},
		{"dataset pending", ResultFacts{Caller: cOwner, DatasetOwner: 3, DatasetStatus: StatusPending, ModelStatus: StatusApproved}, CodeConflict},
		{"model withdrawn", ResultFacts{Caller: cOwner, DatasetOwner: 3, DatasetStatus: StatusApproved, ModelStatus: StatusRejected}, CodeConflict},
		{"no association at all", ResultFacts{Caller: cOwner, DatasetOwner: 3}, CodeConflict},
		{"not the dataset owner", ResultFacts{Caller: bOwner, DatasetOwner: 3, IsReference: true, DatasetStatus: StatusApproved}, CodeForbidden},
		{"admin submits", ResultFacts{Caller: admin, DatasetOwner: 3, IsReference: true, DatasetStatus: StatusApproved}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckResultAllowed(tt.f)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckResultPatch(t *testing.T) {
	final := Result{Finalized: true}
	draft := Result{}
	tests := []struct {
		name string
		r    Result
		p    ResultPatch
		want Code
	}{
		{"an empty patch is refused", draft, ResultPatch{}, CodeInvalid},
		{"a draft's metrics change", draft, ResultPatch{Metrics: ptrRaw(`{"dice":1}`)}, ""},
		{"a finalized result's metrics never change", final, ResultPatch{Metrics: ptrRaw(`{"dice":1}`)}, CodeConflict},
		{"a finalized result is never reopened", final, ResultPatch{Finalized: ptr(false)}, CodeConflict},
		{"a finalized result's is_valid changes", final, ResultPatch{IsValid: ptr(false)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckResultPatch(tt.r, tt.p)); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanSeeResultAndReport(t *testing.T) {
	v := ResultViewers{BenchmarkOwner: 2, ModelOwner: 3, DatasetOwner: 5}
	for _, tt := range []struct {
		u    *User
		want bool
	}{{admin, true}, {bOwner, true}, {cOwner, true}, {&User{ID: 5}, true}, {another, false}, {nil, false}} {
		if got := CanSeeResult(tt.u, v); got != tt.want {
			t.Errorf("CanSeeResult(%+v) = %v", tt.u, got)
		}
	}
	if !CanSeeReport(bOwner, 5, 2) || CanSeeReport(another, 5, 2) || !CanSeeReport(admin, 5, 2) {
		t.Error("CanSeeReport disagrees with its contract")
	}
}

func TestContainerValidation(t *testing.T) {
	config := json.RawMessage(`{"tasks":{"infer":{}}}`)
	h := "0000000000000000000000000000000000000000000000000000000000000000"
	img := "sha256:" + h
	tests := []struct {
		name string
		in   ContainerInput
		want string // the field at fault, "" for valid
	}{
		{"valid", ContainerInput{Name: "m", Config: config, ImageHash: img}, ""},
		{"missing name", ContainerInput{Config: config, ImageHash: img}, "name"},
		{"config without tasks", ContainerInput{Name: "m", Config: json.RawMessage(`{"tasks":{}}`), ImageHash: img}, "config.tasks"},
		{"config not an object", ContainerInput{Name: "m", Config: json.RawMessage(`[1]`), ImageHash: img}, "config"},
		{"url without hash", ContainerInput{Name: "m", Config: config, ImageHash: img, AdditionalFilesURL: "https://a/b"}, "additional_files_tarball_hash"},
		{"hash without url", ContainerInput{Name: "m", Config: config, ImageHash: img, AdditionalFilesHash: h}, "additional_files_tarball_hash"},
		{"both", ContainerInput{Name: "m", Config: config, ImageHash: img, AdditionalFilesURL: "https://a/b", AdditionalFilesHash: h}, ""},
		{"parameters not an object", ContainerInput{Name: "m", Config: config, ImageHash: img, Parameters: json.RawMessage(`"x"`)}, "parameters"},
		{"image hash without sha256:", ContainerInput{Name: "m", Config: config, ImageHash: h}, "image_hash"},
		{"SQL in the name", ContainerInput{Name: "m'; DROP TABLE containers; --", Config: config, ImageHash: img}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.Validate()
			var field string
			if e, ok := err.(*Error); ok {
				field = e.Field
			}
			if field != tt.want || (tt.want == "") != (err == nil) {
				t.Errorf("error %v (field %q), want field %q", err, field, tt.want)
			}
		})
	}
}
