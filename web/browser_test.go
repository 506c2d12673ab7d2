package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// ArtifactsEnv names the directory where browser tests save screenshots;
// without it they go to the test's temporary directory.
const ArtifactsEnv = "MEDPERF_TEST_ARTIFACTS"

// screenshot saves a full-page PNG named name and logs where.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// step runs actions with a time limit, failing the test with what.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestBrowserSignInApproveAndLeaderboard(t *testing.T) {
	path := medperftest.Require(t, medperftest.Chromium)
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	second := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("second-site", w.Preparator.ID, medperf.StateOperation))
	medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset,
		medperf.AssociationRequest{ComponentID: second.ID}))

	bctx, cancel := medperftest.NewBrowser(t, path)
	defer cancel()
	// A laptop screen.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1366, 800), chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	t.Run("sign in with a token", func(t *testing.T) {
		step(t, bctx, "open a page, be sent to sign in", chromedp.Navigate(ts.URL()+"/benchmarks"), chromedp.WaitVisible(chromedp.ID("token")))
		screenshot(t, bctx, "01-signin")
		step(t, bctx, "type the token", chromedp.SendKeys(chromedp.ID("token"), w.BenchmarkOwner.Token))
		step(t, bctx, "click sign in", chromedp.Click(chromedp.ID("signin")))
		step(t, bctx, "wait for the signed-in page", chromedp.WaitVisible(chromedp.ID("signout")))
		who, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("header .who span")))
		if err != nil || !strings.Contains(who, w.BenchmarkOwner.Email) {
			t.Fatalf("header %q, %v", who, err)
		}
		loc, _ := chromedp.Run(bctx, chromedp.Location())
		if !strings.HasSuffix(loc, "/benchmarks") {
			t.Fatalf("after sign-in at %s", loc)
		}
		screenshot(t, bctx, "02-benchmarks")
	})

	t.Run("browse a benchmark, its documentation and a dataset's statistics", func(t *testing.T) {
		step(t, bctx, "open the benchmark", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d", ts.URL(), w.Benchmark.ID)),
			chromedp.WaitVisible(chromedp.CSS("dl.spec")))
		body, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil || !strings.Contains(body, w.Dataset.Name) || !strings.Contains(body, second.Name) || !strings.Contains(body, "PENDING") {
			t.Fatalf("the benchmark page lacks its participants (%v):\n%s", err, body)
		}
		screenshot(t, bctx, "02b-benchmark")
		step(t, bctx, "open its documentation", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d/docs", ts.URL(), w.Benchmark.ID)),
			chromedp.WaitVisible(chromedp.CSS("#document h1")))
		step(t, bctx, "open a dataset", chromedp.Navigate(fmt.Sprintf("%s/datasets/%d", ts.URL(), w.Dataset.ID)),
			chromedp.WaitVisible(chromedp.ID("statistics")))
		screenshot(t, bctx, "02c-dataset")
	})

	t.Run("approve an association", func(t *testing.T) {
		button := fmt.Sprintf("approve-dataset-%d", second.ID)
		step(t, bctx, "open the associations", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d/associations", ts.URL(), w.Benchmark.ID)),
			chromedp.WaitVisible(chromedp.ID(button)))
		screenshot(t, bctx, "03-associations-pending")
		step(t, bctx, "approve", chromedp.Click(chromedp.ID(button)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
		notice, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("p.notice")))
		if !strings.Contains(notice, "approved") {
			t.Fatalf("notice %q", notice)
		}
		h := medperftest.Must[[]medperf.Association](t)(w.Admin.AssociationHistory(ctx, w.Benchmark.ID, medperf.KindDataset, second.ID))
		if got := h[len(h)-1].ApprovalStatus; got != medperf.StatusApproved {
			t.Fatalf("the association is %s after the click", got)
		}
		screenshot(t, bctx, "04-associations-approved")
	})

	t.Run("the heatmap's cells are the API's numbers", func(t *testing.T) {
		step(t, bctx, "open the leaderboard", chromedp.Navigate(fmt.Sprintf("%s/benchmarks/%d/leaderboard", ts.URL(), w.Benchmark.ID)),
			chromedp.WaitVisible(chromedp.ID("heatmap")))
		for _, metric := range []string{"dice", "hd95"} {
			step(t, bctx, "choose "+metric, chromedp.SetValue(chromedp.ID("metric"), metric), chromedp.Click(chromedp.ID("show-metric")))
			waitLocation(t, bctx, "?metric="+metric)
			step(t, bctx, "see the "+metric+" heatmap", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#heatmap svg[aria-labelledby^='mp-heatmap-%s-']", metric))))
			compareHeatmap(t, bctx, w, metric)
			screenshot(t, bctx, "05-leaderboard-"+metric)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		step(t, bctx, "sign out", chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("token")))
		step(t, bctx, "a page now asks to sign in", chromedp.Navigate(ts.URL()+"/datasets"), chromedp.WaitVisible(chromedp.ID("token")))
	})
}

// compareHeatmap checks every heatmap cell of the page against the API's
// leaderboard of metric, and the first row of the table against its
// first row.
func compareHeatmap(t *testing.T, bctx context.Context, w *medperftest.World, metric string) {
	t.Helper()
	api := medperftest.Must[*leaderboard.Leaderboard](t)(w.BenchmarkOwner.Service.(*client.Client).Leaderboard(ctx, w.Benchmark.ID, metric))
	want := map[string]string{}
	for i, m := range api.Models {
		for j, d := range api.Datasets {
			v := ""
			if c := api.Boards[0].Cells[i][j]; c.Value != nil {
				v = strconv.FormatFloat(*c.Value, 'g', -1, 64)
			}
			want[fmt.Sprintf("%d/%d", m.ID, d.ID)] = v
		}
	}
	sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	cells, err := chromedp.Run(sctx, chromedp.AttributesAll(chromedp.CSSAll("#heatmap g.cell")))
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(want) || len(cells) != len(api.Models)*len(api.Datasets) {
		t.Fatalf("%d cells in the page, %d in the API", len(cells), len(want))
	}
	for _, cell := range cells {
		key := cell["data-model"] + "/" + cell["data-dataset"]
		if v, ok := want[key]; !ok || v != cell["data-value"] {
			t.Errorf("%s: cell %s shows %q, the API says %q", metric, key, cell["data-value"], v)
		}
	}
	first, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("#summary tbody th")))
	if err != nil || first != api.Boards[0].Rows[0].Model.Name {
		t.Errorf("%s: first row %q, the API's %q (%v)", metric, first, api.Boards[0].Rows[0].Model.Name, err)
	}
}

// waitLocation waits until the page's URL ends with suffix: a click on a
// form's button navigates asynchronously.
func waitLocation(t *testing.T, bctx context.Context, suffix string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err == nil && strings.HasSuffix(loc, suffix) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page is at %s (%v), not at ...%s", loc, err, suffix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
