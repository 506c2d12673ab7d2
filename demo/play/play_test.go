package play_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cli"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/play"
	"github.com/medperf/medperf/medperftest"
)

// TestMain lets this test binary stand in for the medperf binary the
// cubes run (`<binary> demo cube CUBE TASK ...`): the local runtime runs the
// running executable, and a static test binary may end up in the images.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "demo" && os.Args[2] == "cube" {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// MustPlay plays the demo with o and returns its report as JSON, as
// `medperf demo --output json` prints it.
func MustPlay(tb testing.TB, o play.Options) (*play.Demo, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	d, err := play.Play(ctx, o)
	if err != nil {
		tb.Fatalf("play: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	b, err := json.Marshal(d.Report)
	if err != nil {
		tb.Fatal(err)
	}
	return d, b
}

// demoJSON is the part of the JSON output scripts rely on.
type demoJSON struct {
	Runtime string `json:"runtime"`
	Results []struct {
		Site      string             `json:"site"`
		DatasetID int64              `json:"dataset_id"`
		Model     string             `json:"model"`
		ModelID   int64              `json:"model_id"`
		Metrics   map[string]float64 `json:"metrics"`
	} `json:"results"`
	Trust struct {
		SignedValues int      `json:"signed_values"`
		Values       int      `json:"values"`
		Verified     []string `json:"audit_verified"`
	} `json:"trust"`
}

// CheckDemoJSON checks the demo's JSON output: the runtime, one result
// per (site, model) with metrics in their declared ranges, and a ranking by
// the primary metric that differs between at least two sites.
func CheckDemoJSON(t *testing.T, raw []byte, runtime string) {
	t.Helper()
	var out demoJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("output is not the demo's JSON: %v\n%s", err, raw)
	}
	if out.Runtime != runtime {
		t.Errorf("runtime %q, want %q", out.Runtime, runtime)
	}
	models := []string{cubes.ModelThreshold, cubes.ModelCC, cubes.ModelLogReg}
	seen := map[string]int{}
	best := map[string][]string{} // site -> models by primary metric, best first
	for _, r := range out.Results {
		seen[r.Site+"/"+r.Model]++
		if r.DatasetID <= 0 || r.ModelID <= 0 {
			t.Errorf("%s/%s: ids %d, %d", r.Site, r.Model, r.DatasetID, r.ModelID)
		}
		checkMetrics(t, r.Site+"/"+r.Model, r.Metrics)
		best[r.Site] = append(best[r.Site], r.Model)
	}
	for _, s := range play.Sites {
		for _, m := range models {
			if seen[s.Site+"/"+m] != 1 {
				t.Errorf("%d results of %s at %s, want 1", seen[s.Site+"/"+m], m, s.Site)
			}
		}
	}
	if len(out.Results) != len(play.Sites)*len(models) {
		t.Errorf("%d results, want %d", len(out.Results), len(play.Sites)*len(models))
	}
	if tr := out.Trust; tr.Values == 0 || tr.SignedValues != tr.Values || len(tr.Verified) != len(play.Sites) {
		t.Errorf("trust: %d of %d values signed, audit verified by %v; want every value signed and every site verified", tr.SignedValues, tr.Values, tr.Verified)
	}
	primary := map[string]map[string]float64{}
	for _, r := range out.Results {
		if primary[r.Site] == nil {
			primary[r.Site] = map[string]float64{}
		}
		primary[r.Site][r.Model] = r.Metrics[play.PrimaryMetric]
	}
	orders := map[string]bool{}
	for site, ms := range best {
		slices.SortFunc(ms, func(a, b string) int {
			if primary[site][a] > primary[site][b] {
				return -1
			}
			if primary[site][a] < primary[site][b] {
				return 1
			}
			return strings.Compare(a, b)
		})
		orders[strings.Join(ms, ">")] = true
	}
	if len(orders) < 2 {
		t.Errorf("every site ranks the models the same way (%v): federated evaluation would show nothing", orders)
	}
}

// checkMetrics checks one result against the benchmark's declaration.
func checkMetrics(t *testing.T, what string, m map[string]float64) {
	t.Helper()
	decl := play.Metrics()
	for _, spec := range decl.Metrics {
		v, ok := m[spec.Name]
		switch {
		case !ok || math.IsNaN(v) || math.IsInf(v, 0):
			t.Errorf("%s: %s missing or not finite (%v)", what, spec.Name, v)
		case spec.Min != nil && v < *spec.Min, spec.Max != nil && v > *spec.Max:
			t.Errorf("%s: %s = %v out of range", what, spec.Name, v)
		}
	}
	if n := m[decl.CasesKey()]; n != 2 {
		t.Errorf("%s: %s = %v, want the 2 cases of each site", what, decl.CasesKey(), n)
	}
}

func TestDemoWithDockerScoresEveryModelAtEverySite(t *testing.T) {
	medperftest.Require(t, medperftest.Docker)
	tag := fmt.Sprintf("test-%d", time.Now().UnixNano())
	d, raw := MustPlay(t, play.Options{Runtime: play.RuntimeDocker, Cases: 2, ImageTag: tag})
	dc := medperftest.DockerClient(t)
	t.Cleanup(func() {
		for _, ref := range d.Report.Images {
			dc.ImageRemove(context.Background(), ref, image.RemoveOptions{})
		}
	})
	if len(d.Report.Images) != len(cubes.Cubes) || !strings.HasSuffix(d.Report.Images[0], ":"+tag) {
		t.Errorf("images %v, want one per cube tagged %s", d.Report.Images, tag)
	}
	CheckDemoJSON(t, raw, play.RuntimeDocker)
}

func TestDemoWithTheLocalRuntimeScoresEveryModelAtEverySite(t *testing.T) {
	_, raw := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 2})
	CheckDemoJSON(t, raw, play.RuntimeLocal)
}

func TestDemoDirKeepsTheServerDataAndEveryUsersHome(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	d, _ := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 2, Dir: dir})
	fi, err := os.Stat(filepath.Join(dir, "admin.token"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token: %v %v, want mode 0600", fi, err)
	}
	token, _ := os.ReadFile(filepath.Join(dir, "admin.token"))
	if strings.TrimSpace(string(token)) != d.AdminToken {
		t.Error("admin.token does not hold the admin's token")
	}
	for _, u := range []string{"admin", "benchmark-owner", "model-owner-1", "model-owner-2", "data-owner-a", "data-owner-b", "data-owner-c"} {
		home := filepath.Join(dir, "users", u)
		fi, err := os.Stat(filepath.Join(home, "profiles.yaml"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: profiles.yaml %v %v, want mode 0600", u, fi, err)
		}
		if _, err := os.Stat(filepath.Join(home, "storage")); err != nil && u != "admin" {
			t.Errorf("%s: no storage: %v", u, err)
		}
	}
	for _, s := range play.Sites {
		results, _ := filepath.Glob(filepath.Join(dir, "users", s.Owner, "storage", "*", "results", "*", "result.json"))
		if len(results) != 3 {
			t.Errorf("%s keeps %d local results, want 3", s.Owner, len(results))
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "registry.db")); err != nil {
		t.Errorf("the registry is not kept after Close: %v", err)
	}
}

func TestDemoTemporaryDirectoryIsRemovedOnClose(t *testing.T) {
	d, _ := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 1})
	if _, err := os.Stat(d.Dir); err != nil {
		t.Fatalf("the directory is gone before Close: %v", err)
	}
	d.Close()
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Errorf("%s is left after Close: %v", d.Dir, err)
	}
}

func TestDemoRefusesBadOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "registry.db"), []byte("x"), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		name string
		o    play.Options
		code medperf.Code
	}{
		{"an unknown runtime is invalid", play.Options{Runtime: "podman"}, medperf.CodeInvalid},
		{"too many cases are invalid", play.Options{Cases: 51}, medperf.CodeInvalid},
		{"negative cases are invalid", play.Options{Cases: -1}, medperf.CodeInvalid},
		{"a non-empty dir is invalid", play.Options{Dir: full, Runtime: play.RuntimeLocal}, medperf.CodeInvalid},
		{"a dir that is a file is invalid", play.Options{Dir: file, Runtime: play.RuntimeLocal}, medperf.CodeInvalid},
		{"a dir that cannot be created is forbidden", play.Options{Dir: filepath.Join(file, "demo"), Runtime: play.RuntimeLocal}, medperf.CodeForbidden},
		{"a taken address is a conflict", play.Options{Addr: ln.Addr().String(), Runtime: play.RuntimeLocal}, medperf.CodeConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := play.Play(context.Background(), tc.o)
			if err == nil {
				d.Close()
			}
			if got := medperf.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, err, tc.code)
			}
		})
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Errorf("the refused non-empty dir was changed: %d entries", len(entries))
	}
}

func TestDemoWithDockerAndNoEngineIsUnavailable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no.sock"))
	d, err := play.Play(context.Background(), play.Options{Runtime: play.RuntimeDocker})
	if err == nil {
		d.Close()
	}
	if medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Fatalf("%v, want %s", err, medperf.CodeUnavailable)
	}
}

func TestDemoServerAnswersUntilClose(t *testing.T) {
	d, _ := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 1})
	for _, token := range []string{d.OwnerToken, d.AdminToken} {
		cl, err := client.New(d.URL, token, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Me(context.Background()); err != nil {
			t.Fatalf("the kept server refuses a sign-in token: %v", err)
		}
		l, err := cl.BenchmarkResults(context.Background(), d.Report.Benchmark, medperf.ResultFilter{})
		if err != nil || l.Total != 9 {
			t.Fatalf("results on the kept server: %+v %v", l, err)
		}
	}
	d.Close()
	cl, _ := client.New(d.URL, d.OwnerToken, nil)
	if _, err := cl.Me(context.Background()); medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Errorf("after Close: %v, want %s", err, medperf.CodeUnavailable)
	}
}

func TestDemoWithoutBubblewrapRunsUnsandboxedWithAWarning(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no bwrap to find
	var out bytes.Buffer
	d, raw := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 2, Out: &out})
	if d.Report.Sandboxed {
		t.Error("reported sandboxed without bwrap")
	}
	if !strings.Contains(out.String(), "warning: ") || !strings.Contains(out.String(), "NOT sandboxed") {
		t.Errorf("no warning in the progress lines:\n%s", out.String())
	}
	CheckDemoJSON(t, raw, play.RuntimeLocal)
}

func TestDemoSaysWhichRuntimeItUses(t *testing.T) {
	var out bytes.Buffer
	d, _ := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 1, Out: &out})
	if !d.Report.Sandboxed || !strings.Contains(out.String(), "runtime: local (the medperf binary on this host, sandboxed by bubblewrap)") {
		t.Errorf("sandboxed %v; progress:\n%s", d.Report.Sandboxed, out.String())
	}
}

// cancelOn cancels a context when a line holding text is written.
type cancelOn struct {
	text   string
	cancel context.CancelFunc
	buf    bytes.Buffer
}

func (c *cancelOn) Write(b []byte) (int, error) {
	c.buf.Write(b)
	if strings.Contains(c.buf.String(), c.text) {
		c.cancel()
	}
	return len(b), nil
}

func TestDemoInterruptedMidwayIsCanceledAndKeepsNothingRunning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOn{text: "registered them as dataset", cancel: cancel}
	dir := filepath.Join(t.TempDir(), "demo")
	d, err := play.Play(ctx, play.Options{Runtime: play.RuntimeLocal, Cases: 2, Out: w, Dir: dir})
	if err == nil {
		d.Close()
	}
	if medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("%v, want %s", err, medperf.CodeCanceled)
	}
	_, after, _ := strings.Cut(w.buf.String(), "server: ")
	url, _, _ := strings.Cut(after, " ")
	cl, err := client.New(url, "x", nil)
	if err != nil {
		t.Fatalf("no server URL in the progress lines (%v):\n%s", err, w.buf.String())
	}
	if _, err := cl.Me(context.Background()); medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Errorf("the server of the interrupted demo still answers: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.token")); err != nil {
		t.Errorf("the kept directory lost the admin token: %v", err)
	}
}

func TestDemoServesTheDashboardItIsGiven(t *testing.T) {
	page := func(medperf.Service) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("dashboard")) })
	}
	d, _ := MustPlay(t, play.Options{Runtime: play.RuntimeLocal, Cases: 1, Root: page})
	if !d.Dashboard {
		t.Error("a server with a dashboard is reported without one")
	}
	resp, err := http.Get(d.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / = %d", resp.StatusCode)
	}
}
