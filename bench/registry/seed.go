package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// world is what seed registered.
type world struct {
	http           *http.Client
	admin, owner   *client.Client
	ownerToken     string
	modelOwner     *client.Client
	sites          []site
	models         []int64 // owned by modelOwner
	lb             int64   // the leaderboard benchmark: lbModels × lbDatasets results
	storm, paced   int64   // fresh benchmarks for the storm rows
	submit         int64   // fresh benchmark for the 64-client submissions
	lbModelCount   int
	stormDatasets  []int64 // one per site, index = site
	lbDatasetCount int
}

// site is a data owner.
type site struct {
	id    int64
	token string
	c     *client.Client
}

// seedWorkers is the number of concurrent clients that seed (flag
// -seed-workers). Seeding goes through the API (what it costs is itself a
// figure), but for the leaderboard's results with -seed-results bulk.
var seedWorkers = 64

func newHTTPClient(conns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = conns, conns, 0
	return &http.Client{Transport: t, Timeout: 120 * time.Second}
}

var seq atomic.Int64

func unique(name string) string { return fmt.Sprintf("%s-%d", name, seq.Add(1)) }

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// seed registers users, containers, benchmarks (approved, auto-approving
// associations), datasets, associations and the leaderboard's results.
func seed(ctx context.Context, s *server, o options) (*world, error) {
	w := &world{http: newHTTPClient(seedWorkers * 2), lbModelCount: o.lbModels, lbDatasetCount: o.lbDatasets}
	var err error
	if w.admin, err = client.New(s.url, s.token, w.http); err != nil {
		return nil, err
	}
	var owner, mo site
	if owner, err = w.newUser(ctx, "benchmark-owner"); err != nil {
		return nil, err
	}
	if mo, err = w.newUser(ctx, "model-owner"); err != nil {
		return nil, err
	}
	w.owner, w.ownerToken, w.modelOwner = owner.c, owner.token, mo.c
	w.sites = make([]site, o.sites)
	if err := parallel(o.sites, func(i int) error {
		var err error
		w.sites[i], err = w.newUser(ctx, "site")
		return err
	}); err != nil {
		return nil, err
	}
	if err := w.seedContainersAndBenchmarks(ctx, o); err != nil {
		return nil, err
	}
	if err := w.seedStormDatasets(ctx); err != nil {
		return nil, err
	}
	return w, w.seedLeaderboard(ctx, s, o)
}

func (w *world) newUser(ctx context.Context, name string) (site, error) {
	cu, err := w.admin.CreateUser(ctx, medperf.NewUser{Email: unique(name) + "@example.org", Name: name})
	if err != nil {
		return site{}, fmt.Errorf("creating user %s: %w", name, err)
	}
	c, err := client.New(w.admin.URL(), cu.Token, w.http)
	return site{id: cu.ID, token: cu.Token, c: c}, err
}

func containerInput(name string, tasks ...string) medperf.ContainerInput {
	name = unique(name)
	t := map[string]any{}
	for _, task := range tasks {
		t[task] = map[string]any{}
	}
	config, _ := json.Marshal(map[string]any{"container_type": "DockerImage", "image": "example.org/" + name + ":1", "tasks": t})
	return medperf.ContainerInput{Name: name, Config: config, ImageHash: "sha256:" + hash(name), State: medperf.StateOperation}
}

func (w *world) seedContainersAndBenchmarks(ctx context.Context, o options) error {
	var ids [3]int64
	for i, in := range []medperf.ContainerInput{containerInput("prep", "prepare", "sanity_check", "statistics"),
		containerInput("ref", "infer"), containerInput("eval", "evaluate")} {
		c, err := w.owner.CreateContainer(ctx, in)
		if err != nil {
			return fmt.Errorf("creating container: %w", err)
		}
		ids[i] = c.ID
	}
	w.models = make([]int64, max(o.models, o.lbModels))
	if err := parallel(len(w.models), func(i int) error {
		c, err := w.modelOwner.CreateContainer(ctx, containerInput("model", "infer"))
		if err == nil {
			w.models[i] = c.ID
		}
		return err
	}); err != nil {
		return fmt.Errorf("creating models: %w", err)
	}
	for _, dst := range []*int64{&w.lb, &w.storm, &w.paced, &w.submit} {
		id, err := w.benchmark(ctx, ids)
		if err != nil {
			return err
		}
		*dst = id
	}
	return nil
}

// benchmark registers an approved benchmark that approves every association
// request at once, and the models it needs.
func (w *world) benchmark(ctx context.Context, c [3]int64) (int64, error) {
	name := unique("bench")
	b, err := w.owner.CreateBenchmark(ctx, medperf.BenchmarkInput{Name: name, Description: "load harness",
		ClinicalTask: "segmentation", TargetPopulation: "adults", LabellingMethodology: "synthetic",
		DemoDatasetURL: "https://example.org/demo.tar.gz", DemoDatasetHash: hash(name + "demo"),
		DemoDatasetGeneratedUID: hash(name + "uid"), DataPreparationContainer: c[0], ReferenceModelContainer: c[1],
		DataEvaluatorContainer: c[2], State: medperf.StateOperation,
		// The harness measures the registry's own work; signature checks
		// are measured by the trust package's tests, not here.
		RequireSignedResults: new(bool)})
	if err != nil {
		return 0, fmt.Errorf("creating benchmark: %w", err)
	}
	approved := medperf.StatusApproved
	if _, err := w.admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: &approved}); err != nil {
		return 0, fmt.Errorf("approving benchmark: %w", err)
	}
	always := medperf.AutoApproveAlways
	if _, err := w.owner.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{DatasetAutoApprovalMode: &always, ModelAutoApprovalMode: &always}); err != nil {
		return 0, fmt.Errorf("setting auto-approval: %w", err)
	}
	return b.ID, nil
}

func (w *world) associate(ctx context.Context, c *client.Client, bench int64, kind medperf.ComponentKind, id int64) error {
	a, err := c.RequestAssociation(ctx, bench, kind, medperf.AssociationRequest{ComponentID: id})
	if err != nil {
		return fmt.Errorf("associating %s %d: %w", kind, id, err)
	}
	if a.ApprovalStatus != medperf.StatusApproved {
		return fmt.Errorf("association of %s %d is %s, not approved", kind, id, a.ApprovalStatus)
	}
	return nil
}

func (w *world) dataset(ctx context.Context, c *client.Client, prep int64) (int64, error) {
	name := unique("data")
	d, err := c.CreateDataset(ctx, medperf.DatasetInput{Name: name, Description: "synthetic", Location: "bench",
		InputDataHash: hash(name + "raw"), GeneratedUID: hash(name + "prepared"), DataPreparationContainer: prep,
		State: medperf.StateOperation, GeneratedMetadata: json.RawMessage(`{"cases": 10}`)})
	if err != nil {
		return 0, fmt.Errorf("creating dataset: %w", err)
	}
	return d.ID, nil
}

func (w *world) prep(ctx context.Context) (int64, error) {
	b, err := w.owner.GetBenchmark(ctx, w.lb)
	if err != nil {
		return 0, err
	}
	return b.DataPreparationContainer, nil
}

// seedStormDatasets gives each site one dataset associated with the storm
// benchmarks, and associates the models with them.
func (w *world) seedStormDatasets(ctx context.Context) error {
	prep, err := w.prep(ctx)
	if err != nil {
		return err
	}
	w.stormDatasets = make([]int64, len(w.sites))
	benches := []int64{w.storm, w.paced, w.submit}
	if err := parallel(len(w.sites), func(i int) error {
		id, err := w.dataset(ctx, w.sites[i].c, prep)
		if err != nil {
			return err
		}
		w.stormDatasets[i] = id
		for _, b := range benches {
			if err := w.associate(ctx, w.sites[i].c, b, medperf.KindDataset, id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return parallel(len(w.models)*len(benches), func(i int) error {
		return w.associate(ctx, w.modelOwner, benches[i%len(benches)], medperf.KindModel, w.models[i/len(benches)])
	})
}

// seedLeaderboard fills the leaderboard benchmark: lbModels models and
// lbDatasets datasets (spread over the sites), all associated, and one
// finalized result per (model, dataset), submitted by 64 concurrent clients
// (-seed-results api) or loaded in bulk (-seed-results bulk, see
// bulkResults).
func (w *world) seedLeaderboard(ctx context.Context, s *server, o options) error {
	prep, err := w.prep(ctx)
	if err != nil {
		return err
	}
	if err := parallel(o.lbModels, func(i int) error {
		return w.associate(ctx, w.modelOwner, w.lb, medperf.KindModel, w.models[i])
	}); err != nil {
		return err
	}
	datasets := make([]int64, o.lbDatasets)
	if err := parallel(o.lbDatasets, func(i int) error {
		s := w.sites[i%len(w.sites)]
		id, err := w.dataset(ctx, s.c, prep)
		if err != nil {
			return err
		}
		datasets[i] = id
		return w.associate(ctx, s.c, w.lb, medperf.KindDataset, id)
	}); err != nil {
		return err
	}
	if o.seedResults == "bulk" {
		return w.bulkResults(ctx, s, o, datasets)
	}
	return parallel(o.lbModels*o.lbDatasets, func(i int) error {
		d := i / o.lbModels
		in := resultInput(w.lb, w.models[i%o.lbModels], datasets[d], i)
		_, _, err := w.sites[d%len(w.sites)].c.SubmitResult(ctx, in)
		// An overloaded registry answers 503; the submission carries its
		// idempotency key, so it is retried as a site's CLI does.
		for retry := 0; medperf.ErrorCode(err) == medperf.CodeUnavailable && retry < 10; retry++ {
			time.Sleep(time.Second)
			_, _, err = w.sites[d%len(w.sites)].c.SubmitResult(ctx, in)
		}
		if err != nil {
			return fmt.Errorf("submitting result %d of the leaderboard benchmark: %w", i, err)
		}
		return nil
	})
}

func resultInput(bench, model, dataset int64, i int) medperf.ResultInput {
	m, _ := json.Marshal(map[string]float64{"dice": float64(i%1000) / 1000, "hausdorff": float64(i % 97)})
	return medperf.ResultInput{BenchmarkID: bench, ModelID: model, DatasetID: dataset, Metrics: m,
		IdempotencyKey: fmt.Sprintf("b%d-m%d-d%d", bench, model, dataset)}
}

// parallel runs fn(0..n-1) on seedWorkers goroutines and returns the first
// error.
func parallel(n int, fn func(i int) error) error {
	var (
		next   atomic.Int64
		once   sync.Once
		first  error
		failed atomic.Bool
		wg     sync.WaitGroup
	)
	for range min(n, seedWorkers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || failed.Load() {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return first
}
