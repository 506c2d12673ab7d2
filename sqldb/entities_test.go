package sqldb_test

import (
	"encoding/json"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func TestContainers(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		t.Run("is_model comes from the infer task", func(t *testing.T) {
			if !w.Model.IsModel || w.Evaluator.IsModel {
				t.Fatalf("model %v, evaluator %v", w.Model.IsModel, w.Evaluator.IsModel)
			}
			l := medperftest.Must[*medperf.List[medperf.Container]](t)(w.Stranger.ListContainers(ctx, medperf.ContainerFilter{IsModel: medperftest.Ptr(true)}))
			if l.Total != 2 {
				t.Fatalf("%d models", l.Total)
			}
		})
		t.Run("the same image, files, config and parameters is a conflict", func(t *testing.T) {
			in := w.Model.Input()
			in.Name = "another-name"
			_, err := w.Stranger.CreateContainer(ctx, in)
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("a tarball URL without its hash is invalid", func(t *testing.T) {
			in := medperftest.ContainerInput("x", medperf.StateDevelopment, medperf.TaskInfer)
			in.AdditionalFilesURL = "https://example.org/w.tar.gz"
			_, err := w.Stranger.CreateContainer(ctx, in)
			wantCode(t, err, medperf.CodeInvalid)
			in.AdditionalFilesHash = medperftest.Hash("w")
			medperftest.MustContainer(t, w.Stranger, in)
		})
		t.Run("only the owner edits, and OPERATION freezes all but is_valid and user_metadata", func(t *testing.T) {
			_, err := w.Stranger.UpdateContainer(ctx, w.Model.ID, medperf.ContainerPatch{IsValid: medperftest.Ptr(false)})
			wantCode(t, err, medperf.CodeForbidden)
			_, err = w.ModelOwner.UpdateContainer(ctx, w.Model.ID, medperf.ContainerPatch{ImageHash: medperftest.Ptr("sha256:" + medperftest.Hash("y"))})
			wantCode(t, err, medperf.CodeConflict)
			c := medperftest.Must[*medperf.Container](t)(w.ModelOwner.UpdateContainer(ctx, w.Model.ID, medperf.ContainerPatch{UserMetadata: medperftest.Ptr(json.RawMessage(`{"note":"x"}`))}))
			if string(c.UserMetadata) != `{"note":"x"}` {
				t.Fatal(string(c.UserMetadata))
			}
		})
		t.Run("a container a benchmark uses keeps its config", func(t *testing.T) {
			dev := medperftest.MustContainer(t, w.BenchmarkOwner, medperftest.ContainerInput("dev-eval", medperf.StateDevelopment, medperf.TaskEvaluate))
			in := medperftest.BenchmarkInput("uses-dev", w.Preparator.ID, w.ReferenceModel.ID, dev.ID)
			in.State = medperf.StateDevelopment
			medperftest.MustBenchmark(t, w.Stranger, in)
			other := medperftest.ContainerInput("other", medperf.StateDevelopment, medperf.TaskEvaluate, "extra")
			_, err := w.BenchmarkOwner.UpdateContainer(ctx, dev.ID, medperf.ContainerPatch{Config: &other.Config})
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("a missing container is not found", func(t *testing.T) {
			_, err := w.Stranger.GetContainer(ctx, 424242)
			wantCode(t, err, medperf.CodeNotFound)
		})
	})
}

func TestDatasets(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		t.Run("the report is visible to the owner, the preparator's owner and admins only", func(t *testing.T) {
			for _, u := range []medperftest.User{w.DataOwner, w.BenchmarkOwner, w.Admin} {
				d := medperftest.Must[*medperf.Dataset](t)(u.GetDataset(ctx, w.Dataset.ID))
				if len(d.Report) == 0 {
					t.Errorf("%s does not see the report", u.Name)
				}
			}
			d := medperftest.Must[*medperf.Dataset](t)(w.Stranger.GetDataset(ctx, w.Dataset.ID))
			if len(d.Report) != 0 || len(d.GeneratedMetadata) == 0 {
				t.Errorf("stranger sees report %s, statistics %s", d.Report, d.GeneratedMetadata)
			}
		})
		t.Run("generated_uid is unique among OPERATION datasets only", func(t *testing.T) {
			in := medperftest.DatasetInput("copy", w.Preparator.ID, medperf.StateDevelopment)
			in.GeneratedUID = w.Dataset.GeneratedUID
			d := medperftest.MustDataset(t, w.Stranger, in)
			_, err := w.Stranger.UpdateDataset(ctx, d.ID, medperf.DatasetPatch{State: medperftest.Ptr(medperf.StateOperation)})
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("OPERATION needs the prepared hash", func(t *testing.T) {
			in := medperftest.DatasetInput("raw", w.Preparator.ID, medperf.StateOperation)
			in.GeneratedUID = ""
			_, err := w.Stranger.CreateDataset(ctx, in)
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("a preparator without a prepare task is refused", func(t *testing.T) {
			_, err := w.Stranger.CreateDataset(ctx, medperftest.DatasetInput("x", w.Evaluator.ID, medperf.StateDevelopment))
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("an OPERATION dataset freezes all but is_valid and user_metadata", func(t *testing.T) {
			_, err := w.DataOwner.UpdateDataset(ctx, w.Dataset.ID, medperf.DatasetPatch{Name: medperftest.Ptr("renamed")})
			wantCode(t, err, medperf.CodeConflict)
			medperftest.Must[*medperf.Dataset](t)(w.DataOwner.UpdateDataset(ctx, w.Dataset.ID, medperf.DatasetPatch{IsValid: medperftest.Ptr(true)}))
		})
	})
}

func TestAuditLog(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		t.Run("admins see every event", func(t *testing.T) {
			l := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{}))
			// 5 users, 4 containers, a benchmark and its approval, a dataset, a request and its approval.
			if l.Total != 14 {
				t.Fatalf("%d events", l.Total)
			}
		})
		t.Run("an owner sees the events of their entities", func(t *testing.T) {
			l := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.DataOwner.ListAudit(ctx, medperf.AuditFilter{EntityType: "dataset_association"}))
			if l.Total != 2 || l.Items[0].Action != medperf.ActionRequest || l.Items[1].Action != medperf.ActionApprove || l.Items[1].Actor != w.BenchmarkOwner.ID {
				t.Fatalf("%+v", l.Items)
			}
		})
		t.Run("a stranger sees only their own account's creation", func(t *testing.T) {
			l := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Stranger.ListAudit(ctx, medperf.AuditFilter{}))
			if l.Total != 1 || l.Items[0].EntityType != "user" {
				t.Fatalf("%+v", l.Items)
			}
		})
		t.Run("a failed change writes no event", func(t *testing.T) {
			before := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
			_, err := w.Stranger.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{IsValid: medperftest.Ptr(false)})
			wantCode(t, err, medperf.CodeForbidden)
			_, err = w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{Name: medperftest.Ptr("x")})
			wantCode(t, err, medperf.CodeConflict)
			after := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
			if after != before {
				t.Fatalf("%d events before, %d after", before, after)
			}
		})
		t.Run("a page beyond the maximum is refused", func(t *testing.T) {
			_, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: medperf.Page{Limit: medperf.MaxPageSize + 1}})
			wantCode(t, err, medperf.CodeInvalid)
		})
	})
}
