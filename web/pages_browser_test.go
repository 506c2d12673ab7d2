package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// bigMetrics are the metrics of the big world's benchmark: enough columns
// to make the results table wider than any screen.
var bigMetrics = []string{"dice", "hd95", "sensitivity", "specificity", "precision", "lesion_f1", "volume_error_ml", "surface_dice", "n_cases"}

// bigStatistics are a dataset's statistics shaped as the demo's
// statistics task writes them.
const bigStatistics = `{"n_cases": 40, "shape": [64, 64, 32], "voxel_mm": [1, 1, 2],
 "lesion_volume_ml": {"mean": 1.9, "sd": 1.1, "bin_edges": [0, 0.25, 0.5, 1, 2, 4, 8], "bin_counts": [2, 4, 9, 12, 8, 4, 1]},
 "lesions_per_case": {"mean": 2.2, "sd": 1.3, "bin_edges": [0, 1, 2, 3, 5, 8], "bin_counts": [3, 10, 12, 9, 5, 1]},
 "brain_intensity": {"mean": 0.41, "sd": 0.12}}`

// bigWorld is a benchmark with 10 models × 10 datasets, all approved, and
// 100 results, plus one dataset asking to join with its compatibility test.
type bigWorld struct {
	*medperftest.World
	Models, Datasets []int64
	Pending          *medperf.Dataset
}

func MustBigWorld(t *testing.T, ts *medperftest.TestServer) *bigWorld {
	t.Helper()
	w := ts.World(t)
	var decl []map[string]any
	for _, m := range bigMetrics[:len(bigMetrics)-1] {
		dir := "higher"
		if m == "hd95" || m == "volume_error_ml" {
			dir = "lower"
		}
		decl = append(decl, map[string]any{"name": m, "direction": dir, "primary": m == "dice"})
	}
	raw, _ := json.Marshal(map[string]any{"metrics": decl})
	in := medperftest.BenchmarkInput("multi-site brain lesion segmentation", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.State, in.Metrics = medperf.StateDevelopment, raw
	in.Document = "# Brain lesions\n\nSegment every lesion.\n"
	b := medperftest.MustBenchmark(t, w.BenchmarkOwner, in)
	w.Benchmark = medperftest.Must[*medperf.Benchmark](t)(w.Admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: medperftest.Ptr(medperf.StatusApproved)}))
	bw := &bigWorld{World: w, Models: []int64{w.ReferenceModel.ID, w.Model.ID}}
	for i := range 8 {
		c := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput(fmt.Sprintf("unet-variant-%d", i), medperf.StateOperation, medperf.TaskInfer))
		bw.Models = append(bw.Models, c.ID)
	}
	for _, m := range bw.Models[1:] {
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, m)
	}
	site := func(name string) *medperf.Dataset {
		in := medperftest.DatasetInput(name, w.Preparator.ID, medperf.StateOperation)
		in.GeneratedMetadata = json.RawMessage(bigStatistics)
		return medperftest.MustDataset(t, w.DataOwner, in)
	}
	w.Dataset = site("university hospital")
	bw.Datasets = []int64{w.Dataset.ID}
	for i := range 9 {
		bw.Datasets = append(bw.Datasets, site(fmt.Sprintf("regional clinic %d", i)).ID)
	}
	for _, d := range bw.Datasets {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, d)
	}
	for i, m := range bw.Models {
		for j, d := range bw.Datasets {
			dice := 0.5 + float64((i*7+j*3)%40)/100
			metrics := map[string]float64{"n_cases": float64(20 + j)}
			for k, name := range bigMetrics[:len(bigMetrics)-1] {
				metrics[name] = dice - float64(k)/50
			}
			metrics["hd95"] = 10 * (1 - dice)
			metrics["volume_error_ml"] = 3 * (1 - dice)
			raw, _ := json.Marshal(metrics)
			medperftest.Must[*medperf.Result](t)(func() (*medperf.Result, error) {
				r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m, DatasetID: d, Metrics: raw})
				return r, err
			}())
		}
	}
	bw.Pending = site("children's hospital")
	medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset,
		medperf.AssociationRequest{ComponentID: bw.Pending.ID, Metadata: compatMetadata(0.8125)}))
	return bw
}

// browserSignIn signs the browser in with token, replacing any session.
func browserSignIn(t *testing.T, bctx context.Context, base, token string) {
	t.Helper()
	step(t, bctx, "open the sign-in page", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.ID("token")))
	step(t, bctx, "type the token", chromedp.SendKeys(chromedp.ID("token"), token), chromedp.Click(chromedp.ID("signin")))
	step(t, bctx, "wait for a signed-in page", chromedp.WaitVisible(chromedp.ID("signout")))
}

func text(t *testing.T, bctx context.Context, sel string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return s
}

func attrs(t *testing.T, bctx context.Context, sel string) []map[string]string {
	t.Helper()
	sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	all, err := chromedp.Run(sctx, chromedp.AttributesAll(chromedp.CSSAll(sel)))
	if err != nil {
		t.Fatalf("reading %s: %v", sel, err)
	}
	return all
}

// TestBrowserEveryPage loads every page of the dashboard with 100 results
// in real Chromium, at 1280 and 800 px: no page scrolls sideways, axe-core
// finds no serious or critical violation, and each is saved as a
// screenshot; then it drives every flow (registration, approval, sorting,
// tokens, the audit filters, users) and compares what a person sees with
// the API.
func TestBrowserEveryPage(t *testing.T) {
	path := medperftest.Require(t, medperftest.Chromium)
	ts := medperftest.NewServer(t)
	w := MustBigWorld(t, ts)
	res := medperftest.Must[*medperf.List[medperf.Result]](t)(w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
	if res.Total != 100 {
		t.Fatalf("the world has %d results, want 100", res.Total)
	}
	bctx, cancel := medperftest.NewBrowser(t, path)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	base := ts.URL()
	t.Run("the sign-in page fits and passes axe-core", func(t *testing.T) {
		for _, width := range []int64{1280, 800} {
			step(t, bctx, "open it", chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+"/signin"), chromedp.WaitVisible(chromedp.ID("token")))
			if over, err := medperftest.HorizontalOverflow(bctx); err != nil || over > 0 {
				t.Errorf("sign-in at %d px scrolls sideways by %d px (%v)", width, over, err)
			}
			medperftest.CheckAccessible(t, bctx, "signin")
			medperftest.Screenshot(t, bctx, fmt.Sprintf("page-signin-%d", width))
		}
		step(t, bctx, "back to a laptop screen", chromedp.EmulateViewport(1280, 900))
	})
	browserSignIn(t, bctx, base, w.BenchmarkOwner.Token)

	b := w.Benchmark.ID
	pages := []struct{ name, path, ready string }{
		{"benchmarks", "/benchmarks", "main h1"},
		{"benchmark-new", "/benchmarks/new", "#register"},
		{"benchmark", fmt.Sprintf("/benchmarks/%d", b), "dl.spec"},
		{"benchmark-docs", fmt.Sprintf("/benchmarks/%d/docs", b), "#document h1"},
		{"associations", fmt.Sprintf("/benchmarks/%d/associations", b), "main table"},
		{"approval", fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", b, w.Pending.ID), "#comparison"},
		{"leaderboard", fmt.Sprintf("/benchmarks/%d/leaderboard", b), "#heatmap svg"},
		{"leaderboard-hd95", fmt.Sprintf("/benchmarks/%d/leaderboard?metric=hd95", b), "#heatmap svg"},
		{"containers", "/containers", "main table"},
		{"container-new", "/containers/new", "#register"},
		{"container", fmt.Sprintf("/containers/%d", w.Model.ID), "#config"},
		{"datasets", "/datasets", "main table"},
		{"dataset", fmt.Sprintf("/datasets/%d", w.Dataset.ID), "#statistics svg"},
		{"results", fmt.Sprintf("/results?benchmark=%d", b), "#results"},
		{"results-sorted", fmt.Sprintf("/results?benchmark=%d&sort=metric:dice&order=desc", b), "#results"},
		{"result", fmt.Sprintf("/results/%d", res.Items[0].ID), "#metrics"},
		{"tokens", "/tokens", "#tokens"},
		{"audit", "/audit", "#audit"},
		{"trust", "/trust", "#log-fingerprint"},
		{"not-found", "/no/such/page", "main h1"},
	}
	t.Run("every page fits 1280 and 800 px and passes axe-core", func(t *testing.T) {
		for _, width := range []int64{1280, 800} {
			step(t, bctx, "resize", chromedp.EmulateViewport(width, 900))
			for _, p := range pages {
				step(t, bctx, "open "+p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)))
				if over, err := medperftest.HorizontalOverflow(bctx); err != nil || over > 0 {
					t.Errorf("%s at %d px scrolls sideways by %d px (%v)", p.name, width, over, err)
				}
				if width == 1280 {
					medperftest.CheckAccessible(t, bctx, p.name)
				}
				medperftest.Screenshot(t, bctx, fmt.Sprintf("page-%s-%d", p.name, width))
			}
		}
		step(t, bctx, "back to a laptop screen", chromedp.EmulateViewport(1280, 900))
	})

	t.Run("the results table sorts by a metric on the server, from the keyboard", func(t *testing.T) {
		step(t, bctx, "open the results", chromedp.Navigate(fmt.Sprintf("%s/results?benchmark=%d", base, b)), chromedp.WaitVisible(chromedp.ID("results")))
		for _, order := range []string{"ascending", "descending"} {
			link := `#results thead th[data-column="metric:dice"] a`
			step(t, bctx, "focus the dice heading and press Enter", chromedp.Focus(chromedp.CSS(link)), chromedp.KeyEvent("\r"))
			step(t, bctx, "wait for the sorted page", chromedp.WaitVisible(chromedp.CSS(`#results th[aria-sort="`+order+`"]`)))
			want := sortedDice(res.Items, order == "descending")
			got := attrs(t, bctx, `#results tbody tr`)
			if len(got) != 100 {
				t.Fatalf("%d rows, want 100", len(got))
			}
			for i := range 5 {
				if got[i]["data-result"] != strconv.FormatInt(want[i], 10) {
					t.Errorf("%s: row %d is result %s, the API's order says %d", order, i, got[i]["data-result"], want[i])
				}
			}
			cell := text(t, bctx, `#results tbody tr:first-child td[data-metric="dice"]`)
			if cell != fmt.Sprintf("%.4g", diceOf(t, res.Items, want[0])) {
				t.Errorf("%s: the first dice cell shows %q", order, cell)
			}
			medperftest.Screenshot(t, bctx, "flow-results-dice-"+order)
		}
	})

	t.Run("approve a dataset from its approval page", func(t *testing.T) {
		step(t, bctx, "open the associations", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d/associations", base, b)),
			chromedp.Click(chromedp.ID(fmt.Sprintf("review-dataset-%d", w.Pending.ID))), chromedp.WaitVisible(chromedp.ID("comparison")))
		if got := text(t, bctx, "#requester"); !strings.Contains(got, w.DataOwner.Name) || !strings.Contains(got, w.DataOwner.Email) {
			t.Errorf("requester %q, want %s and %s", got, w.DataOwner.Name, w.DataOwner.Email)
		}
		if got := text(t, bctx, `#comparison tr[data-metric="dice"] td:nth-of-type(1)`); got != "0.8125" {
			t.Errorf("the test's dice shows %q, the request carried 0.8125", got)
		}
		bars := attrs(t, bctx, "#statistics g.bar")
		if len(bars) == 0 || bars[0]["data-value"] != "2" {
			t.Errorf("statistics bars %v, want the stored histogram", bars)
		}
		medperftest.Screenshot(t, bctx, "flow-approval-pending")
		step(t, bctx, "approve", chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		h := medperftest.Must[[]medperf.Association](t)(w.Admin.AssociationHistory(ctx, b, medperf.KindDataset, w.Pending.ID))
		if h[len(h)-1].ApprovalStatus != medperf.StatusApproved {
			t.Fatalf("the association is %s after the click", h[len(h)-1].ApprovalStatus)
		}
	})

	t.Run("the heatmap marks the API's best model at each site", func(t *testing.T) {
		step(t, bctx, "open the leaderboard", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d/leaderboard?metric=dice", base, b)), chromedp.WaitVisible(chromedp.ID("heatmap")))
		api := medperftest.Must[*leaderboard.Leaderboard](t)(w.BenchmarkOwner.Service.(*client.Client).Leaderboard(ctx, b, "dice"))
		want := map[string]bool{}
		for i, m := range api.Models {
			for j, d := range api.Datasets {
				if c := api.Boards[0].Cells[i][j]; c.Rank != nil && *c.Rank == 1 {
					want[fmt.Sprintf("%d/%d", m.ID, d.ID)] = true
				}
			}
		}
		best := attrs(t, bctx, `#heatmap g.cell[data-best="true"]`)
		if len(best) != len(want) || len(best) < len(w.Datasets) {
			t.Fatalf("%d best cells marked, the API ranks %d first", len(best), len(want))
		}
		for _, c := range best {
			if !want[c["data-model"]+"/"+c["data-dataset"]] {
				t.Errorf("cell %s/%s is marked best; the API does not rank it first", c["data-model"], c["data-dataset"])
			}
		}
		medperftest.Screenshot(t, bctx, "flow-leaderboard-best")
	})

	t.Run("register a container from YAML, fixing a mistake", func(t *testing.T) {
		step(t, bctx, "open the form", chromedp.Navigate(base+"/containers"), chromedp.Click(chromedp.ID("new-container")), chromedp.WaitVisible(chromedp.ID("register")))
		step(t, bctx, "fill it with bad YAML", chromedp.SendKeys(chromedp.ID("name"), "browser-unet"),
			chromedp.SetValue(chromedp.ID("config"), "container_type: DockerImage\ntasks: [unclosed\n"),
			chromedp.SendKeys(chromedp.ID("image_hash"), "sha256:"+medperftest.Hash("browser-unet")), chromedp.Click(chromedp.ID("register")))
		step(t, bctx, "see the error next to the config", chromedp.WaitVisible(chromedp.ID("config-error")))
		if v := attrs(t, bctx, "#name")[0]["value"]; v != "browser-unet" {
			t.Errorf("the name typed is gone: %q", v)
		}
		medperftest.CheckAccessible(t, bctx, "container form with an error")
		medperftest.Screenshot(t, bctx, "flow-container-form-error")
		step(t, bctx, "fix the YAML and register", chromedp.SetValue(chromedp.ID("config"), "container_type: DockerImage\nimage: example.org/unet:1\ntasks:\n  infer:\n    input_volumes: {}\n"),
			chromedp.Click(chromedp.ID("register")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		list := medperftest.Must[*medperf.List[medperf.Container]](t)(w.Admin.ListContainers(ctx, medperf.ContainerFilter{Name: "browser-unet"}))
		if list.Total != 1 || !list.Items[0].IsModel {
			t.Fatalf("registered %+v", list.Items)
		}
		if got := text(t, bctx, "main h1"); got != "browser-unet" {
			t.Errorf("the page shows %q", got)
		}
		if got := text(t, bctx, "#owner"); !strings.Contains(got, w.BenchmarkOwner.Name) {
			t.Errorf("owner %q, want %s", got, w.BenchmarkOwner.Name)
		}
		if got := text(t, bctx, "#config"); !strings.Contains(got, "image: example.org/unet:1") {
			t.Errorf("the config is not shown as YAML:\n%s", got)
		}
		medperftest.Screenshot(t, bctx, "flow-container-registered")
	})

	t.Run("register a benchmark", func(t *testing.T) {
		step(t, bctx, "open the form", chromedp.Navigate(base+"/benchmarks/new"), chromedp.WaitVisible(chromedp.ID("register")))
		in := medperftest.BenchmarkInput("browser bench", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
		fields := map[string]string{"name": in.Name, "description": in.Description, "clinical_task": in.ClinicalTask, "target_population": in.TargetPopulation,
			"labelling_methodology": in.LabellingMethodology, "demo_dataset_tarball_url": in.DemoDatasetURL, "demo_dataset_tarball_hash": in.DemoDatasetHash,
			"demo_dataset_generated_uid": in.DemoDatasetGeneratedUID}
		for k, v := range fields {
			step(t, bctx, "type "+k, chromedp.SendKeys(chromedp.ID(k), v))
		}
		step(t, bctx, "choose the containers", chromedp.SetValue(chromedp.ID("data_preparation_mlcube"), fmt.Sprint(w.Preparator.ID)),
			chromedp.SetValue(chromedp.ID("reference_model_mlcube"), fmt.Sprint(w.ReferenceModel.ID)),
			chromedp.SetValue(chromedp.ID("data_evaluator_mlcube"), fmt.Sprint(w.Evaluator.ID)),
			chromedp.SetValue(chromedp.ID("metrics"), "metrics:\n  - {name: dice, direction: higher, primary: true}\n"))
		step(t, bctx, "register", chromedp.Click(chromedp.ID("register")), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		list := medperftest.Must[*medperf.List[medperf.Benchmark]](t)(w.Admin.ListBenchmarks(ctx, medperf.BenchmarkFilter{Name: in.Name}))
		if list.Total != 1 || list.Items[0].Owner != w.BenchmarkOwner.ID {
			t.Fatalf("registered %+v", list.Items)
		}
		if got := text(t, bctx, "main h1"); got != in.Name {
			t.Errorf("the page shows %q", got)
		}
		medperftest.Screenshot(t, bctx, "flow-benchmark-registered")
	})

	t.Run("a dataset's statistics are the API's", func(t *testing.T) {
		step(t, bctx, "open the dataset", chromedp.Navigate(fmt.Sprintf("%s/datasets/%d", base, w.Dataset.ID)), chromedp.WaitVisible(chromedp.ID("statistics")))
		var stored struct {
			Volume struct {
				Counts []float64 `json:"bin_counts"`
			} `json:"lesion_volume_ml"`
		}
		d := medperftest.Must[*medperf.Dataset](t)(w.Stranger.GetDataset(ctx, w.Dataset.ID))
		json.Unmarshal(d.GeneratedMetadata, &stored)
		bars := attrs(t, bctx, `section[aria-labelledby="stats-1-h"] g.bar`)
		if len(bars) != len(stored.Volume.Counts) {
			t.Fatalf("%d bars for lesion_volume_ml, the API has %d bins", len(bars), len(stored.Volume.Counts))
		}
		for i, c := range stored.Volume.Counts {
			if bars[i]["data-value"] != strconv.FormatFloat(c, 'g', -1, 64) {
				t.Errorf("bin %d shows %s, the API %v", i, bars[i]["data-value"], c)
			}
		}
	})

	t.Run("create and revoke a token", func(t *testing.T) {
		step(t, bctx, "open the tokens", chromedp.Navigate(base+"/tokens"), chromedp.WaitVisible(chromedp.ID("create-token")))
		step(t, bctx, "create one", chromedp.SendKeys(chromedp.ID("name"), "browser"), chromedp.Click(chromedp.ID("create-token")), chromedp.WaitVisible(chromedp.ID("new-token")))
		secret := attrs(t, bctx, "#new-token")[0]["value"]
		if u, err := ts.Client(t, secret).Authenticate(ctx, secret); err != nil || u.ID != w.BenchmarkOwner.ID {
			t.Fatalf("the token shown does not authenticate: %v", err)
		}
		medperftest.Screenshot(t, bctx, "flow-token-created")
		toks := medperftest.Must[[]medperf.Token](t)(w.BenchmarkOwner.ListTokens(ctx))
		id := toks[len(toks)-1].ID
		step(t, bctx, "revoke it", chromedp.Navigate(base+"/tokens"), chromedp.Click(chromedp.ID(fmt.Sprintf("revoke-%d", id))), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		if _, err := ts.Client(t, secret).Authenticate(ctx, secret); medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatalf("the revoked token still authenticates (%v)", err)
		}
	})

	t.Run("filter the audit log", func(t *testing.T) {
		step(t, bctx, "open the audit log", chromedp.Navigate(base+"/audit"), chromedp.WaitVisible(chromedp.ID("filter")))
		step(t, bctx, "choose dataset associations", chromedp.SetValue(chromedp.ID("type"), "dataset_association"), chromedp.Click(chromedp.ID("filter")))
		waitLocation(t, bctx, "until=")
		rows := attrs(t, bctx, "#audit tbody tr[data-event]")
		api := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.BenchmarkOwner.ListAudit(ctx, medperf.AuditFilter{EntityType: "dataset_association"}))
		if len(rows) != min(api.Total, 50) || len(rows) == 0 {
			t.Fatalf("%d rows, the API has %d events", len(rows), api.Total)
		}
		for i, r := range rows {
			if r["data-event"] != strconv.FormatInt(api.Items[i].ID, 10) {
				t.Errorf("row %d is event %s, the API's %d", i, r["data-event"], api.Items[i].ID)
			}
		}
		medperftest.Screenshot(t, bctx, "flow-audit-filtered")
	})

	t.Run("an admin creates a user", func(t *testing.T) {
		browserSignIn(t, bctx, base, w.Admin.Token)
		step(t, bctx, "open the users", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users")))
		medperftest.CheckAccessible(t, bctx, "users")
		for _, width := range []int64{1280, 800} {
			step(t, bctx, "resize", chromedp.EmulateViewport(width, 900))
			if over, _ := medperftest.HorizontalOverflow(bctx); over > 0 {
				t.Errorf("users at %d px scrolls sideways by %d px", width, over)
			}
			medperftest.Screenshot(t, bctx, fmt.Sprintf("page-users-%d", width))
		}
		step(t, bctx, "resize", chromedp.EmulateViewport(1280, 900))
		step(t, bctx, "create", chromedp.SendKeys(chromedp.ID("email"), "radiologist@example.org"), chromedp.SendKeys(chromedp.ID("name"), "Radiologist"),
			chromedp.Click(chromedp.ID("create-user")), chromedp.WaitVisible(chromedp.ID("new-user-token")))
		secret := attrs(t, bctx, "#new-user-token")[0]["value"]
		if u, err := ts.Client(t, secret).Authenticate(ctx, secret); err != nil || u.Email != "radiologist@example.org" {
			t.Fatalf("the new user's token: %v", err)
		}
		medperftest.Screenshot(t, bctx, "flow-user-created")
	})
}

func sortedDice(items []medperf.Result, desc bool) []int64 {
	type r struct {
		id   int64
		dice float64
	}
	var rs []r
	for _, x := range items {
		var m map[string]float64
		json.Unmarshal(x.Metrics, &m)
		rs = append(rs, r{x.ID, m["dice"]})
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].dice != rs[j].dice {
			return (rs[i].dice < rs[j].dice) != desc
		}
		return rs[i].id < rs[j].id
	})
	out := make([]int64, len(rs))
	for i, x := range rs {
		out[i] = x.id
	}
	return out
}

func diceOf(t *testing.T, items []medperf.Result, id int64) float64 {
	for _, x := range items {
		if x.ID == id {
			var m map[string]float64
			json.Unmarshal(x.Metrics, &m)
			return m["dice"]
		}
	}
	t.Fatalf("no result %d", id)
	return 0
}
