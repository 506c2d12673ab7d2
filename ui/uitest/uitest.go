// Package uitest is the fixture the tests of the local app (package ui) and
// of `medperf ui` (package cli) share: a real registry (medperftest), the
// reference benchmark's cubes run for real by the local runtime in
// bubblewrap (the medperf binary, built once per test), its demo data served
// on a loopback port, and a headless Chromium that drives the app.
package uitest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/local"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/play"
	"github.com/medperf/medperf/demo/synth"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/ui"
)

// Fixture is a registry with a World of users, the reference cubes ready to
// register from files, and the demo data served.
type Fixture struct {
	TS *medperftest.TestServer
	W  *medperftest.World
	// Bin is the medperf binary the cubes run; ImageHash its sha256, the
	// image identity of every local cube.
	Bin, ImageHash string
	// DemoURL serves the benchmark's demo tarball.
	DemoURL string
	// Configs and Params are each reference cube's container_config.yaml
	// and parameters.yaml, by cube name.
	Configs, Params map[string]string
}

// New builds the binary, starts the registry and serves the demo data. It
// needs bubblewrap (medperftest.Require).
func New(tb testing.TB) *Fixture {
	tb.Helper()
	medperftest.Require(tb, medperftest.Bwrap)
	dir := tb.TempDir()
	f := &Fixture{Bin: filepath.Join(dir, "medperf"), Configs: map[string]string{}, Params: map[string]string{}}
	cmd := exec.Command("go", "build", "-o", f.Bin, "github.com/medperf/medperf/cmd/medperf")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	sum, err := cube.FileSHA256(f.Bin)
	if err != nil {
		tb.Fatal(err)
	}
	f.ImageHash = "sha256:" + sum
	for _, c := range []string{cubes.Preparator, cubes.ReferenceModel, cubes.Evaluator, cubes.ModelCC} {
		f.Configs[c], f.Params[c] = filepath.Join(dir, c, "container_config.yaml"), filepath.Join(dir, c, "parameters.yaml")
		os.MkdirAll(filepath.Join(dir, c), 0o755)
		if err := os.WriteFile(f.Configs[c], cubes.LocalContainerConfig(c, f.Bin), 0o644); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(f.Params[c], play.Parameters(c), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	var demo bytes.Buffer
	if err := synth.WriteDemoTarball(&demo, 1); err != nil {
		tb.Fatal(err)
	}
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(demo.Bytes()) }))
	tb.Cleanup(files.Close)
	f.DemoURL = files.URL + "/demo.tar.gz"
	f.TS = medperftest.NewServer(tb)
	f.W = f.TS.World(tb)
	return f
}

// Site is u's site on a fresh storage root (or home, when given), running
// cubes with the local runtime in bubblewrap. It signs its results with a
// key registered for u, since new benchmarks require signed results.
func (f *Fixture) Site(tb testing.TB, u medperftest.User, home string) *site.Site {
	tb.Helper()
	if home == "" {
		home = tb.TempDir()
	}
	// The test registry hosts its files on 127.0.0.1, which a site reaches
	// only when it allows private URLs.
	return &site.Site{Home: home, Registry: u.Service, Runtime: &local.Runtime{}, Confirm: site.AlwaysConfirm(nil), AllowPrivateURLs: true,
		Signer: medperftest.MustIdentity(tb, u), Version: "test"}
}

// UI starts the local app over s as u and returns it; the test's end stops it.
func (f *Fixture) UI(tb testing.TB, s *site.Site, u medperftest.User) *ui.Server {
	tb.Helper()
	srv, err := ui.Open(ui.Config{Site: s, User: &u.User, Server: f.TS.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// Register registers cube as its owner's through s, as the command line does.
func (f *Fixture) Register(tb testing.TB, s *site.Site, c string, model bool) int64 {
	tb.Helper()
	ct, err := s.SubmitContainer(context.Background(), site.ContainerSubmission{Name: c + "-" + filepath.Base(tb.TempDir()), ConfigFile: f.Configs[c],
		ParametersFile: f.Params[c], ImageHash: f.ImageHash, Model: model})
	if err != nil {
		tb.Fatalf("registering %s: %v", c, err)
	}
	return ct.ID
}

// Metrics is the metrics declaration of the fixture's benchmarks.
func Metrics() json.RawMessage {
	b, _ := json.Marshal(play.Metrics())
	return b
}

// ApprovedBenchmark registers the reference benchmark through bo's site
// (its compatibility test runs for real), has the admin approve it, and
// has model owner mo's model-cc join it, approved. It returns the
// benchmark's and the model's ids.
func (f *Fixture) ApprovedBenchmark(tb testing.TB, bo, mo *site.Site) (int64, int64) {
	tb.Helper()
	ctx := context.Background()
	in := medperf.BenchmarkInput{Name: "bench-" + filepath.Base(tb.TempDir()), Description: "the reference benchmark", DemoDatasetURL: f.DemoURL,
		DataPreparationContainer: f.Register(tb, bo, cubes.Preparator, false), ReferenceModelContainer: f.Register(tb, bo, cubes.ReferenceModel, true),
		DataEvaluatorContainer: f.Register(tb, bo, cubes.Evaluator, false), ClinicalTask: "segmentation", TargetPopulation: "synthetic",
		LabellingMethodology: "generated", Metrics: Metrics(), State: medperf.StateOperation}
	b, _, err := bo.SubmitBenchmark(ctx, in)
	if err != nil {
		tb.Fatalf("SubmitBenchmark: %v", err)
	}
	approve := medperf.StatusApproved
	if _, err := f.W.Admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: &approve}); err != nil {
		tb.Fatal(err)
	}
	model := f.Register(tb, mo, cubes.ModelCC, true)
	if _, err := mo.AssociateModel(ctx, model, b.ID); err != nil {
		tb.Fatalf("AssociateModel: %v", err)
	}
	if _, err := f.W.BenchmarkOwner.DecideAssociation(ctx, b.ID, medperf.KindModel, model, medperf.AssociationDecision{ApprovalStatus: &approve}); err != nil {
		tb.Fatal(err)
	}
	return b.ID, model
}

// RawData writes n synthetic cases of a site and returns its data and
// labels folders.
func RawData(tb testing.TB, n int) (string, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "raw")
	if err := synth.WriteDataset(dir, synth.SiteNamed("site-a"), n, 1); err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dir, "data"), filepath.Join(dir, "labels")
}

// Browser is a headless Chromium with an 800 px wide window (every page must
// work at that width), shared by a test's subtests.
func Browser(tb testing.TB) context.Context {
	tb.Helper()
	path := medperftest.Require(tb, medperftest.Chromium)
	ctx, _ := medperftest.NewBrowser(tb, path)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 900), chromedp.Navigate("about:blank")); err != nil {
		tb.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// Page drives one page: Visit loads it, checks it for serious
// accessibility problems and sideways scrolling, and saves a screenshot.
type Page struct {
	T   *testing.T
	Ctx context.Context
}

// Do runs steps, bounded by 30 seconds; what names them in a failure,
// which shows the page's text.
func (p Page) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tctx, tcancel := context.WithTimeout(p.Ctx, 5*time.Second)
		defer tcancel()
		text, _ := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("main")))
		p.T.Fatalf("%s: %v\nthe page shows: %s", what, err, text)
	}
}

// Open loads url and waits for the page's heading.
func (p Page) Open(url string) {
	p.T.Helper()
	p.Do("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("h1")))
}

// Check checks the page shown and saves its screenshot as name.
func (p Page) Check(name string) {
	p.T.Helper()
	medperftest.CheckAccessible(p.T, p.Ctx, name)
	over, err := medperftest.HorizontalOverflow(p.Ctx)
	if err != nil {
		p.T.Fatal(err)
	}
	if over > 0 {
		p.T.Errorf("%s: the page scrolls sideways by %d px at 800 px", name, over)
	}
	medperftest.Screenshot(p.T, p.Ctx, "ui-"+name)
}

// Text returns the text of the first element matching sel.
func (p Page) Text(sel string) string {
	p.T.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.T.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// WaitJob waits until the job page shown stops running (finished, failed,
// or waiting for a confirmation) and returns its state.
func (p Page) WaitJob() string {
	p.T.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		p.Do("reload the job", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#job-state")))
		if state := p.Text("#job-state"); state != "running" {
			return state
		}
		time.Sleep(time.Second)
	}
	p.T.Fatal("the job did not finish in 5 minutes")
	return ""
}

// Shot saves a screenshot of the page as it is now (a running job's
// progress), without the checks of Check.
func (p Page) Shot(name string) { medperftest.Screenshot(p.T, p.Ctx, "ui-"+name) }
