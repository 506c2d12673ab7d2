package site

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/synth"
	"github.com/medperf/medperf/medperftest"
)

// testWorld is a server with an approved benchmark whose containers run on
// a fakeRuntime, a model owner with an approved model, and a data owner's
// Site with registered raw data.
type testWorld struct {
	ts                 *medperftest.TestServer
	w                  *medperftest.World
	rt                 *fakeRuntime
	bo, mo, do         *Site
	benchmark          *medperf.Benchmark
	prep, ref, eval    int64
	model              int64
	rawData, rawLabels string
}

func (tw *testWorld) site(tb testing.TB, u medperftest.User) *Site {
	// The demo tarball is served on 127.0.0.1: this site allows it.
	return &Site{Home: tb.TempDir(), Registry: u.Service, Runtime: tw.rt, Confirm: AlwaysConfirm(nil), AllowPrivateURLs: true}
}

// cubeContainer is a reference cube's registration, with its real config.
func cubeContainer(tb testing.TB, name string) medperf.ContainerInput {
	var cfg map[string]any
	if err := yaml.Unmarshal(cubes.ContainerConfig(name, "example.org/"+name+":1"), &cfg); err != nil {
		tb.Fatal(err)
	}
	raw, _ := json.Marshal(cfg)
	return medperf.ContainerInput{Name: name + "-" + filepath.Base(tb.TempDir()), Config: raw, ImageHash: "sha256:" + medperftest.Hash(name),
		State: medperf.StateOperation, Parameters: json.RawMessage(`{"threshold": 1.5}`)}
}

// MustTestWorld builds a testWorld: the benchmark is submitted through
// SubmitBenchmark (compatibility test on a hosted demo tarball) and approved.
func MustTestWorld(tb testing.TB) *testWorld {
	tb.Helper()
	ctx := context.Background()
	tw := &testWorld{ts: medperftest.NewServer(tb), rt: &fakeRuntime{}}
	tw.w = tw.ts.World(tb)
	tw.bo, tw.mo, tw.do = tw.site(tb, tw.w.BenchmarkOwner), tw.site(tb, tw.w.ModelOwner), tw.site(tb, tw.w.DataOwner)
	must := medperftest.Must[*medperf.Container](tb)
	tw.prep = must(tw.w.BenchmarkOwner.CreateContainer(ctx, cubeContainer(tb, cubes.Preparator))).ID
	tw.ref = must(tw.w.BenchmarkOwner.CreateContainer(ctx, cubeContainer(tb, cubes.ReferenceModel))).ID
	tw.eval = must(tw.w.BenchmarkOwner.CreateContainer(ctx, cubeContainer(tb, cubes.Evaluator))).ID
	tw.model = must(tw.w.ModelOwner.CreateContainer(ctx, cubeContainer(tb, cubes.ModelCC))).ID
	var demo bytes.Buffer
	if err := synth.WriteDemoTarball(&demo, 1); err != nil {
		tb.Fatal(err)
	}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(demo.Bytes()) }))
	tb.Cleanup(files.Close)
	in := medperftest.BenchmarkInput("bench", tw.prep, tw.ref, tw.eval)
	in.DemoDatasetURL, in.DemoDatasetHash = files.URL+"/demo.tar.gz", ""
	b, _, err := tw.bo.SubmitBenchmark(ctx, in)
	if err != nil {
		tb.Fatalf("SubmitBenchmark: %v", err)
	}
	tw.benchmark = medperftest.Must[*medperf.Benchmark](tb)(tw.w.Admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: medperftest.Ptr(medperf.StatusApproved)}))
	if _, err := tw.mo.AssociateModel(ctx, tw.model, b.ID); err != nil {
		tb.Fatalf("AssociateModel: %v", err)
	}
	tw.decide(tb, medperf.KindModel, tw.model, medperf.StatusApproved)
	dir := tb.TempDir()
	tw.rawData, tw.rawLabels = filepath.Join(dir, "data"), filepath.Join(dir, "labels")
	for _, d := range []string{tw.rawData, tw.rawLabels} {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "case-1.txt"), []byte("case one"), 0o644)
	}
	return tw
}

func (tw *testWorld) decide(tb testing.TB, kind medperf.ComponentKind, id int64, to medperf.ApprovalStatus) {
	tb.Helper()
	if _, err := tw.w.BenchmarkOwner.DecideAssociation(context.Background(), tw.benchmark.ID, kind, id, medperf.AssociationDecision{ApprovalStatus: &to}); err != nil {
		tb.Fatal(err)
	}
}

// MustOperationalDataset submits, prepares and makes operational the data
// owner's dataset, and has it approved by the benchmark owner.
func (tw *testWorld) MustOperationalDataset(tb testing.TB) int64 {
	tb.Helper()
	ctx := context.Background()
	d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d", Location: "Hospital"})
	if err != nil {
		tb.Fatal(err)
	}
	if err := tw.do.Prepare(ctx, d.ID); err != nil {
		tb.Fatal(err)
	}
	if _, err := tw.do.SetOperational(ctx, d.ID); err != nil {
		tb.Fatal(err)
	}
	if _, err := tw.do.AssociateDataset(ctx, d.ID, tw.benchmark.ID); err != nil {
		tb.Fatal(err)
	}
	tw.decide(tb, medperf.KindDataset, d.ID, medperf.StatusApproved)
	return d.ID
}
