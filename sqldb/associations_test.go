package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func decide(s medperf.Service, w *medperftest.World, kind medperf.ComponentKind, id int64, to medperf.ApprovalStatus) (*medperf.Association, error) {
	return s.DecideAssociation(ctx, w.Benchmark.ID, kind, id, medperf.AssociationDecision{ApprovalStatus: &to})
}

func request(s medperf.Service, w *medperftest.World, kind medperf.ComponentKind, id int64) (*medperf.Association, error) {
	return s.RequestAssociation(ctx, w.Benchmark.ID, kind, medperf.AssociationRequest{ComponentID: id, Metadata: []byte(`{"test":"passed"}`)})
}

// TestAssociationStateMachine checks each association rule of MedPerf
// against the store, the refusals included.
func TestAssociationStateMachine(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		ds, m := medperf.KindDataset, medperf.KindModel
		t.Run("a stranger cannot ask for someone else's dataset", func(t *testing.T) {
			_, err := request(w.Stranger, w, ds, w.Dataset.ID)
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("the first request is PENDING with its test metadata", func(t *testing.T) {
			a := medperftest.Must[*medperf.Association](t)(request(w.DataOwner, w, ds, w.Dataset.ID))
			if a.ApprovalStatus != medperf.StatusPending || string(a.Metadata) != `{"test":"passed"}` {
				t.Fatalf("%+v", a)
			}
		})
		t.Run("a second request while PENDING is a conflict", func(t *testing.T) {
			_, err := request(w.DataOwner, w, ds, w.Dataset.ID)
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("the initiator cannot approve their own request", func(t *testing.T) {
			_, err := decide(w.DataOwner, w, ds, w.Dataset.ID, medperf.StatusApproved)
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("a stranger cannot decide", func(t *testing.T) {
			_, err := decide(w.Stranger, w, ds, w.Dataset.ID, medperf.StatusApproved)
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("nothing goes back to PENDING", func(t *testing.T) {
			_, err := decide(w.BenchmarkOwner, w, ds, w.Dataset.ID, medperf.StatusPending)
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("the initiator may reject their own request", func(t *testing.T) {
			a := medperftest.Must[*medperf.Association](t)(decide(w.DataOwner, w, ds, w.Dataset.ID, medperf.StatusRejected))
			if a.ApprovalStatus != medperf.StatusRejected {
				t.Fatal(a.ApprovalStatus)
			}
		})
		t.Run("a REJECTED row never changes", func(t *testing.T) {
			_, err := decide(w.BenchmarkOwner, w, ds, w.Dataset.ID, medperf.StatusApproved)
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("after a rejection a new request appends a PENDING row", func(t *testing.T) {
			medperftest.Must[*medperf.Association](t)(request(w.DataOwner, w, ds, w.Dataset.ID))
			a := medperftest.Must[*medperf.Association](t)(decide(w.BenchmarkOwner, w, ds, w.Dataset.ID, medperf.StatusApproved))
			if a.ApprovalStatus != medperf.StatusApproved || a.ApprovedAt == nil {
				t.Fatalf("%+v", a)
			}
			h := medperftest.Must[[]medperf.Association](t)(w.Stranger.AssociationHistory(ctx, w.Benchmark.ID, ds, w.Dataset.ID))
			if len(h) != 2 || h[0].ApprovalStatus != medperf.StatusRejected || h[1].ApprovalStatus != medperf.StatusApproved {
				t.Fatalf("history %+v", h)
			}
		})
		t.Run("an APPROVED row is not approved again", func(t *testing.T) {
			_, err := decide(w.BenchmarkOwner, w, ds, w.Dataset.ID, medperf.StatusApproved)
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("withdrawal appends a REJECTED row", func(t *testing.T) {
			a := medperftest.Must[*medperf.Association](t)(decide(w.DataOwner, w, ds, w.Dataset.ID, medperf.StatusRejected))
			h := medperftest.Must[[]medperf.Association](t)(w.Stranger.AssociationHistory(ctx, w.Benchmark.ID, ds, w.Dataset.ID))
			if a.ApprovalStatus != medperf.StatusRejected || len(h) != 3 || h[1].ApprovalStatus != medperf.StatusApproved {
				t.Fatalf("latest %+v, history %+v", a, h)
			}
		})
		t.Run("a request initiated by the benchmark owner waits for the component owner", func(t *testing.T) {
			a := medperftest.Must[*medperf.Association](t)(request(w.BenchmarkOwner, w, m, w.Model.ID))
			if a.ApprovalStatus != medperf.StatusPending {
				t.Fatal(a.ApprovalStatus)
			}
			_, err := decide(w.BenchmarkOwner, w, m, w.Model.ID, medperf.StatusApproved)
			wantCode(t, err, medperf.CodeForbidden)
			a = medperftest.Must[*medperf.Association](t)(decide(w.ModelOwner, w, m, w.Model.ID, medperf.StatusApproved))
			if a.ApprovalStatus != medperf.StatusApproved {
				t.Fatal(a.ApprovalStatus)
			}
		})
		t.Run("only the benchmark owner sets a model's priority", func(t *testing.T) {
			_, err := w.ModelOwner.DecideAssociation(ctx, w.Benchmark.ID, m, w.Model.ID, medperf.AssociationDecision{Priority: medperftest.Ptr(5)})
			wantCode(t, err, medperf.CodeForbidden)
			a := medperftest.Must[*medperf.Association](t)(w.BenchmarkOwner.DecideAssociation(ctx, w.Benchmark.ID, m, w.Model.ID, medperf.AssociationDecision{Priority: medperftest.Ptr(5)}))
			if a.Priority != 5 {
				t.Fatal(a.Priority)
			}
			_, err = w.BenchmarkOwner.DecideAssociation(ctx, w.Benchmark.ID, ds, w.Dataset.ID, medperf.AssociationDecision{Priority: medperftest.Ptr(5)})
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("a component owned by the benchmark owner is approved at once", func(t *testing.T) {
			a := medperftest.Must[*medperf.Association](t)(request(w.BenchmarkOwner, w, m, w.ReferenceModel.ID))
			if a.ApprovalStatus != medperf.StatusApproved {
				t.Fatal(a.ApprovalStatus)
			}
		})
		t.Run("auto-approval ALWAYS and ALLOWLIST", func(t *testing.T) {
			m1 := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("m1", medperf.StateOperation, medperf.TaskInfer))
			other := w.NewUser(t, "other")
			m2 := medperftest.MustContainer(t, other, medperftest.ContainerInput("m2", medperf.StateOperation, medperf.TaskInfer))
			medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{
				ModelAutoApprovalMode: medperftest.Ptr(medperf.AutoApproveAllowlist), ModelAutoApprovalAllow: &[]string{w.ModelOwner.Email}}))
			a1 := medperftest.Must[*medperf.Association](t)(request(w.ModelOwner, w, m, m1.ID))
			a2 := medperftest.Must[*medperf.Association](t)(request(other, w, m, m2.ID))
			if a1.ApprovalStatus != medperf.StatusApproved || a2.ApprovalStatus != medperf.StatusPending {
				t.Fatalf("allowlisted %s, other %s", a1.ApprovalStatus, a2.ApprovalStatus)
			}
		})
		t.Run("preconditions are refused", func(t *testing.T) {
			devModel := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("dev", medperf.StateDevelopment, medperf.TaskInfer))
			_, err := request(w.ModelOwner, w, m, devModel.ID)
			wantCode(t, err, medperf.CodeConflict)
			notModel := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("nm", medperf.StateOperation, medperf.TaskEvaluate))
			_, err = request(w.ModelOwner, w, m, notModel.ID)
			wantCode(t, err, medperf.CodeInvalid)
			otherPrep := medperftest.MustContainer(t, w.DataOwner, medperftest.ContainerInput("op", medperf.StateOperation, medperf.TaskPrepare))
			d2 := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("d2", otherPrep.ID, medperf.StateOperation))
			_, err = request(w.DataOwner, w, ds, d2.ID)
			wantCode(t, err, medperf.CodeInvalid)
			_, err = request(w.DataOwner, w, ds, 999999)
			wantCode(t, err, medperf.CodeNotFound)
			pending := medperftest.MustBenchmark(t, w.Stranger, medperftest.BenchmarkInput("pb", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID))
			_, err = w.DataOwner.RequestAssociation(ctx, pending.ID, ds, medperf.AssociationRequest{ComponentID: w.Dataset.ID})
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("lists show the latest row of each pair", func(t *testing.T) {
			l := medperftest.Must[*medperf.List[medperf.Association]](t)(w.Stranger.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: w.Benchmark.ID, Kind: ds}))
			if l.Total != 1 || l.Items[0].ApprovalStatus != medperf.StatusRejected {
				t.Fatalf("%+v", l)
			}
		})
	})
}
