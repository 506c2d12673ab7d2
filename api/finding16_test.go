package api_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestFinding16StateClashesAre409: editing a field frozen in OPERATION,
// setting OPERATION back to DEVELOPMENT, changing the config of a container
// a benchmark uses and reopening a finalized result are state clashes: 409
// conflict naming the field, as docs/api.md says (they were 400).
func TestFinding16StateClashesAre409(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	base := ts.URL() + "/api/v1"
	dev := medperftest.MustContainer(t, w.BenchmarkOwner, medperftest.ContainerInput("dev", medperf.StateDevelopment, medperf.TaskEvaluate))
	in := medperftest.BenchmarkInput("uses-dev", w.Preparator.ID, w.ReferenceModel.ID, dev.ID)
	in.State = medperf.StateDevelopment
	medperftest.MustBenchmark(t, w.Stranger, in)
	other := medperftest.ContainerInput("other", medperf.StateDevelopment, medperf.TaskEvaluate, "extra")
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID) // results need an approved dataset (finding 3)
	res, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
		DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, token string
		body              any
		field             string
	}{
		{"a frozen dataset field", fmt.Sprintf("/datasets/%d", w.Dataset.ID), w.DataOwner.Token, map[string]string{"name": "renamed"}, "name"},
		{"a frozen container field", fmt.Sprintf("/containers/%d", w.Model.ID), w.ModelOwner.Token, map[string]string{"image_hash": "sha256:" + medperftest.Hash("y")}, "image_hash"},
		{"a frozen benchmark field", fmt.Sprintf("/benchmarks/%d", w.Benchmark.ID), w.BenchmarkOwner.Token, map[string]string{"description": "again"}, "description"},
		{"OPERATION back to DEVELOPMENT", fmt.Sprintf("/datasets/%d", w.Dataset.ID), w.DataOwner.Token, map[string]string{"state": "DEVELOPMENT"}, "state"},
		{"the config of a container a benchmark uses", fmt.Sprintf("/containers/%d", dev.ID), w.BenchmarkOwner.Token, map[string]any{"config": other.Config}, "config"},
		{"reopening a finalized result", fmt.Sprintf("/results/%d", res.ID), w.DataOwner.Token, map[string]bool{"finalized": false}, "finalized"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is 409", func(t *testing.T) {
			r := call(t, "PATCH", base+tt.path, tt.token, tt.body)
			if r.status != 409 || r.err.Code != medperf.CodeConflict || r.err.Field != tt.field {
				t.Fatalf("got %d %+v, want 409 conflict on %s", r.status, r.err, tt.field)
			}
		})
	}
}
