package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestBenchmarkStateMachine checks each benchmark rule of MedPerf against
// the store, the refusals included.
func TestBenchmarkStateMachine(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		// A user with three containers of their own, to register benchmarks.
		u := w.NewUser(t, "committee")
		prep := medperftest.MustContainer(t, u, medperftest.ContainerInput("p", medperf.StateOperation, medperf.TaskPrepare))
		ref := medperftest.MustContainer(t, u, medperftest.ContainerInput("r", medperf.StateOperation, medperf.TaskInfer))
		eval := medperftest.MustContainer(t, u, medperftest.ContainerInput("e", medperf.StateOperation, medperf.TaskEvaluate))
		dev := medperftest.MustContainer(t, u, medperftest.ContainerInput("d", medperf.StateDevelopment, medperf.TaskEvaluate))
		in := func() medperf.BenchmarkInput { return medperftest.BenchmarkInput("b", prep.ID, ref.ID, eval.ID) }
		approve := func(s medperf.Service, id int64, to medperf.ApprovalStatus) error {
			_, err := s.UpdateBenchmark(ctx, id, medperf.BenchmarkPatch{ApprovalStatus: &to})
			return err
		}

		first := medperftest.MustBenchmark(t, u, in())
		t.Run("a new benchmark is PENDING", func(t *testing.T) {
			if first.ApprovalStatus != medperf.StatusPending {
				t.Fatalf("status %s", first.ApprovalStatus)
			}
		})
		t.Run("a second pending benchmark of the same user is refused", func(t *testing.T) {
			_, err := u.CreateBenchmark(ctx, in())
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("the owner cannot approve their own benchmark", func(t *testing.T) {
			wantCode(t, approve(u, first.ID, medperf.StatusApproved), medperf.CodeForbidden)
		})
		t.Run("a stranger cannot approve it", func(t *testing.T) {
			wantCode(t, approve(w.Stranger, first.ID, medperf.StatusApproved), medperf.CodeForbidden)
		})
		t.Run("an admin approves it", func(t *testing.T) {
			if err := approve(w.Admin, first.ID, medperf.StatusApproved); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("an approved benchmark never returns to PENDING", func(t *testing.T) {
			wantCode(t, approve(w.Admin, first.ID, medperf.StatusPending), medperf.CodeInvalid)
		})
		second := medperftest.MustBenchmark(t, u, in())
		t.Run("after a decision the user may register another", func(t *testing.T) {
			if second.ApprovalStatus != medperf.StatusPending {
				t.Fatal(second.ApprovalStatus)
			}
		})
		t.Run("a rejected benchmark is never approved", func(t *testing.T) {
			if err := approve(w.Admin, second.ID, medperf.StatusRejected); err != nil {
				t.Fatal(err)
			}
			wantCode(t, approve(w.Admin, second.ID, medperf.StatusApproved), medperf.CodeConflict)
		})
		t.Run("OPERATION needs its three containers in OPERATION", func(t *testing.T) {
			bad := medperftest.BenchmarkInput("b", prep.ID, ref.ID, dev.ID)
			_, err := u.CreateBenchmark(ctx, bad)
			wantCode(t, err, medperf.CodeInvalid)
			bad.State = medperf.StateDevelopment
			b := medperftest.MustBenchmark(t, u, bad)
			_, err = u.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{State: medperftest.Ptr(medperf.StateOperation)})
			wantCode(t, err, medperf.CodeInvalid)
			t.Run("a DEVELOPMENT benchmark is freely edited", func(t *testing.T) {
				got := medperftest.Must[*medperf.Benchmark](t)(u.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{
					Description: medperftest.Ptr("better"), DataEvaluatorContainer: &eval.ID, State: medperftest.Ptr(medperf.StateOperation)}))
				if got.Description != "better" || got.State != medperf.StateOperation {
					t.Fatalf("%+v", got)
				}
			})
			t.Run("an OPERATION benchmark only changes is_valid, user_metadata and policy", func(t *testing.T) {
				_, err := u.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{Description: medperftest.Ptr("again")})
				wantCode(t, err, medperf.CodeConflict)
				_, err = u.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{State: medperftest.Ptr(medperf.StateDevelopment)})
				wantCode(t, err, medperf.CodeConflict)
				got := medperftest.Must[*medperf.Benchmark](t)(u.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{
					IsValid: medperftest.Ptr(false), ModelAutoApprovalMode: medperftest.Ptr(medperf.AutoApproveAlways)}))
				if got.IsValid || got.ModelAutoApprovalMode != medperf.AutoApproveAlways {
					t.Fatalf("%+v", got)
				}
			})
		})
		t.Run("a container without the role's task is refused", func(t *testing.T) {
			_, err := w.Stranger.CreateBenchmark(ctx, medperftest.BenchmarkInput("b", eval.ID, ref.ID, eval.ID))
			wantCode(t, err, medperf.CodeInvalid)
			_, err = w.Stranger.CreateBenchmark(ctx, medperftest.BenchmarkInput("b", prep.ID, 999999, eval.ID))
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("a duplicate name is a conflict", func(t *testing.T) {
			dup := in()
			dup.Name = first.Name
			_, err := w.Stranger.CreateBenchmark(ctx, dup)
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("lists filter by owner and status", func(t *testing.T) {
			l := medperftest.Must[*medperf.List[medperf.Benchmark]](t)(w.Stranger.ListBenchmarks(ctx, medperf.BenchmarkFilter{Owner: u.ID, ApprovalStatus: medperf.StatusRejected}))
			if l.Total != 1 || l.Items[0].ID != second.ID {
				t.Fatalf("%+v", l)
			}
		})
	})
}
