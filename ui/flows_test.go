package ui_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/play"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/ui/uitest"
)

var firstNumber = regexp.MustCompile(`\d+`)

// idIn returns the first number of the text of sel (the id a job made).
func idIn(t *testing.T, p uitest.Page, sel string) int64 {
	t.Helper()
	text := p.Text(sel)
	n, err := strconv.ParseInt(firstNumber.FindString(text), 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", text)
	}
	return n
}

// payload returns the JSON a job asks to confirm, as shown.
func payload(t *testing.T, p uitest.Page) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(p.Text("#payload")), &v); err != nil {
		t.Fatalf("the payload shown is not JSON: %v", err)
	}
	return v
}

// confirmJob waits for the job's question, checks the page, confirms and
// waits for the job's end, which must be a success.
func confirmJob(t *testing.T, p uitest.Page, name string, check func(map[string]any)) {
	t.Helper()
	if st := p.WaitJob(); st != "waiting for your confirmation" {
		t.Fatalf("job state %q (%s), want a question", st, jobError(p))
	}
	p.Check(name + "-confirm")
	if check != nil {
		check(payload(t, p))
	}
	p.Do("confirm", chromedp.Click(chromedp.ID("confirm")), chromedp.WaitNotPresent(chromedp.ID("confirm")))
	if st := p.WaitJob(); st != "finished" {
		t.Fatalf("job state %q after confirming: %s", st, jobError(p))
	}
	p.Check(name + "-done")
}

func jobError(p uitest.Page) string {
	ctx, cancel := context.WithTimeout(p.Ctx, 5e9)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	return s
}

func finishJob(t *testing.T, p uitest.Page, name string) {
	t.Helper()
	if st := p.WaitJob(); st != "finished" {
		t.Fatalf("job state %q: %s", st, jobError(p))
	}
	p.Check(name)
}

// TestUIFlowsInChromium drives every flow of the local app in Chromium, on
// a real registry with the reference cubes run by the local runtime in
// bubblewrap: the benchmark owner registers containers and a benchmark, the
// model owner a model (pasted YAML, with a line-numbered error first) and
// asks to join, the benchmark owner decides, the data owner registers,
// prepares, makes operational, joins, runs, reviews and submits, and the
// model owner sees the result. Every value checked on a page is compared
// with the registry's or the local journal's.
func TestUIFlowsInChromium(t *testing.T) {
	f := uitest.New(t)
	ctx := uitest.Browser(t)
	bg := context.Background()
	w := f.W
	boSite, moSite, doSite := f.Site(t, w.BenchmarkOwner, ""), f.Site(t, w.ModelOwner, ""), f.Site(t, w.DataOwner, "")
	bo, mo, do := f.UI(t, boSite, w.BenchmarkOwner), f.UI(t, moSite, w.ModelOwner), f.UI(t, doSite, w.DataOwner)
	ids := map[string]int64{}
	need := func(t *testing.T, names ...string) {
		for _, n := range names {
			if ids[n] == 0 {
				t.Skipf("needs %s from an earlier step, which failed", n)
			}
		}
	}
	page := func(t *testing.T) uitest.Page { return uitest.Page{T: t, Ctx: ctx} }

	t.Run("each user signs in with the one-time link", func(t *testing.T) {
		p := page(t)
		for _, srv := range []interface{ SignInURL() string }{bo, mo, do} {
			p.Open(srv.SignInURL())
		}
		p.Check("home")
		if got := p.Text("header .who"); !strings.Contains(got, w.DataOwner.Email) {
			t.Errorf("header %q does not name the data owner", got)
		}
		p.Open(do.SignInURL())
		if got := p.Text("h1"); got != "Sign-in link used" {
			t.Errorf("a used sign-in link shows %q", got)
		}
		p.Check("signin-used")
		p.Open(do.URL() + "/datasets/999999")
		if got := p.Text("p.error"); !strings.Contains(got, "999999") {
			t.Errorf("the error page says %q", got)
		}
		p.Check("error")
	})

	t.Run("benchmark owner registers containers from config files", func(t *testing.T) {
		p := page(t)
		for _, c := range []string{cubes.Preparator, cubes.ReferenceModel, cubes.Evaluator} {
			p.Open(bo.URL() + "/containers/new")
			p.Do("fill the form", chromedp.SetValue(chromedp.ID("name"), c+"-ui"), chromedp.SetValue(chromedp.ID("config_path"), f.Configs[c]),
				chromedp.SetValue(chromedp.ID("parameters_path"), f.Params[c]), chromedp.SetValue(chromedp.ID("image_hash"), f.ImageHash))
			if c == cubes.ReferenceModel {
				p.Do("a model", chromedp.Click(chromedp.ID("model")))
			}
			p.Do("check the config", chromedp.Click(chromedp.ID("do-validate")), chromedp.WaitVisible(chromedp.ID("config-valid")))
			cfg, err := cube.ReadConfig(f.Configs[c])
			if err != nil {
				t.Fatal(err)
			}
			for name := range cfg.Tasks {
				if got := p.Text("#config-valid"); !strings.Contains(got, name) {
					t.Errorf("%s: %q does not list the task %s", c, got, name)
				}
			}
			p.Check("container-validated")
			p.Do("register", chromedp.Click(chromedp.ID("do-register")), chromedp.WaitVisible(chromedp.ID("job-state")))
			finishJob(t, p, "container-registered")
			id := idIn(t, p, "#job-done")
			ct, err := w.BenchmarkOwner.GetContainer(bg, id)
			if err != nil || ct.Name != c+"-ui" || ct.ImageHash != f.ImageHash || ct.Owner != w.BenchmarkOwner.ID {
				t.Fatalf("container %d on the registry: %+v, %v", id, ct, err)
			}
			ids[c] = id
		}
		p.Open(bo.URL() + "/containers")
		p.Check("containers-bo")
	})

	t.Run("model owner pastes a config, sees the faulty line, then registers", func(t *testing.T) {
		p := page(t)
		good, _ := os.ReadFile(f.Configs[cubes.ModelCC])
		bad := strings.Replace(string(good), "container_type: DockerImage", "container_type: Nonsense", 1)
		_, perr := cube.ParseConfig("", []byte(bad))
		var ce *cube.ConfigError
		if !errors.As(perr, &ce) || ce.Line == 0 {
			t.Fatalf("the broken config should fail with a line: %v", perr)
		}
		p.Open(mo.URL() + "/containers/new?model=1")
		p.Do("paste a broken config", chromedp.SetValue(chromedp.ID("name"), "my-model"), chromedp.SetValue(chromedp.ID("config_yaml"), bad),
			chromedp.Click(chromedp.ID("do-validate")), chromedp.WaitVisible(chromedp.ID("config-problem")))
		if got := p.Text("#config-line"); got != strconv.Itoa(ce.Line) {
			t.Errorf("the page names line %s, the parser line %d", got, ce.Line)
		}
		p.Check("container-config-error")
		p.Do("paste the right config", chromedp.SetValue(chromedp.ID("config_yaml"), string(good)),
			chromedp.SetValue(chromedp.ID("parameters_path"), f.Params[cubes.ModelCC]), chromedp.SetValue(chromedp.ID("image_hash"), f.ImageHash),
			chromedp.Click(chromedp.ID("do-register")), chromedp.WaitVisible(chromedp.ID("job-state")))
		finishJob(t, p, "model-registered")
		id := idIn(t, p, "#job-done")
		ct, err := w.ModelOwner.GetContainer(bg, id)
		if err != nil || !ct.IsModel || ct.Name != "my-model" {
			t.Fatalf("model %d on the registry: %+v, %v", id, ct, err)
		}
		ids["model"] = id
	})

	t.Run("benchmark owner registers a benchmark with its metrics", func(t *testing.T) {
		need(t, cubes.Preparator, cubes.ReferenceModel, cubes.Evaluator)
		p := page(t)
		p.Open(bo.URL() + "/benchmarks/new")
		p.Check("benchmark-form")
		p.Do("fill the form", chromedp.SetValue(chromedp.ID("name"), "lesions-ui"), chromedp.SetValue(chromedp.ID("description"), "registered from the browser"),
			chromedp.SetValue(chromedp.ID("clinical_task"), "segmentation"), chromedp.SetValue(chromedp.ID("target_population"), "synthetic"),
			chromedp.SetValue(chromedp.ID("labelling_methodology"), "generated"), chromedp.SetValue(chromedp.ID("demo_url"), f.DemoURL),
			chromedp.SetValue(chromedp.ID("preparator"), fmt.Sprint(ids[cubes.Preparator])), chromedp.SetValue(chromedp.ID("reference"), fmt.Sprint(ids[cubes.ReferenceModel])),
			chromedp.SetValue(chromedp.ID("evaluator"), fmt.Sprint(ids[cubes.Evaluator])),
			chromedp.Click(chromedp.ID("more-metrics")), chromedp.WaitVisible(chromedp.ID("metric_7_name")),
			chromedp.Click(chromedp.ID("more-metrics")), chromedp.WaitVisible(chromedp.ID("metric_11_name")))
		declared := play.Metrics()
		for i, m := range declared.Metrics {
			steps := []chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.ID(fmt.Sprintf("metric_%d_name", i)), m.Name),
				chromedp.SetValue(chromedp.ID(fmt.Sprintf("metric_%d_direction", i)), string(m.Direction))}
			for _, b := range []struct {
				v    *float64
				what string
			}{{m.Min, "min"}, {m.Max, "max"}} {
				if b.v != nil {
					steps = append(steps, chromedp.SetValue(chromedp.ID(fmt.Sprintf("metric_%d_%s", i, b.what)), fmt.Sprint(*b.v)))
				}
			}
			if m.Primary {
				steps = append(steps, chromedp.Click(chromedp.ID(fmt.Sprintf("metric_%d_primary", i))))
			}
			p.Do("declare "+m.Name, steps...)
		}
		p.Check("benchmark-form-filled")
		p.Do("register", chromedp.SetValue(chromedp.ID("cases_metric"), declared.CasesMetric),
			chromedp.Click(chromedp.ID("do-register")), chromedp.WaitVisible(chromedp.CSS("#job-state, #form-error")))
		if countRows(t, p, "#form-error") > 0 {
			t.Fatalf("the form was refused: %s", p.Text("#form-error"))
		}
		confirmJob(t, p, "benchmark", func(v map[string]any) {
			ms, _ := json.Marshal(v["metrics"])
			if v["name"] != "lesions-ui" || !strings.Contains(string(ms), `"dice_mean"`) || !strings.Contains(string(ms), `"primary":true`) {
				t.Errorf("the payload shown: %v", v)
			}
		})
		id := idIn(t, p, "#job-done")
		b, err := w.BenchmarkOwner.GetBenchmark(bg, id)
		if err != nil || b.Name != "lesions-ui" || b.DataPreparationContainer != ids[cubes.Preparator] {
			t.Fatalf("benchmark %d on the registry: %+v, %v", id, b, err)
		}
		var set medperf.MetricSet
		if json.Unmarshal(b.Metrics, &set) != nil || !sameJSON(b.Metrics, uitest.Metrics()) {
			t.Errorf("the registered metrics: %s", b.Metrics)
		}
		approve := medperf.StatusApproved
		if _, err := w.Admin.UpdateBenchmark(bg, id, medperf.BenchmarkPatch{ApprovalStatus: &approve}); err != nil {
			t.Fatal(err)
		}
		ids["benchmark"] = id
	})

	t.Run("model owner asks to join the benchmark", func(t *testing.T) {
		need(t, "model", "benchmark")
		p := page(t)
		m, b := ids["model"], ids["benchmark"]
		p.Open(mo.URL() + "/containers")
		p.Do("ask to join", chromedp.SetValue(chromedp.ID(fmt.Sprintf("assoc-%d", m)), fmt.Sprint(b)),
			chromedp.Click(chromedp.ID(fmt.Sprintf("associate-%d", m))), chromedp.WaitVisible(chromedp.ID("job-state")))
		confirmJob(t, p, "model-associate", func(v map[string]any) {
			if v["component"] != float64(m) {
				t.Errorf("the payload asks for component %v, want %d", v["component"], m)
			}
		})
	})

	t.Run("benchmark owner approves the model", func(t *testing.T) {
		need(t, "model", "benchmark")
		decide(t, page(t), bo.URL(), w.ModelOwner.User, medperf.KindModel, ids["model"], ids["benchmark"], "approve", "model")
		as, err := w.BenchmarkOwner.ListAssociations(bg, medperf.AssociationFilter{BenchmarkID: ids["benchmark"], Kind: medperf.KindModel, ComponentID: ids["model"]})
		if err != nil || len(as.Items) != 1 || as.Items[0].ApprovalStatus != medperf.StatusApproved {
			t.Fatalf("the registry's association: %+v, %v", as, err)
		}
	})

	t.Run("benchmark owner rejects a request", func(t *testing.T) {
		need(t, "benchmark")
		b := ids["benchmark"]
		if _, err := w.ModelOwner.RequestAssociation(bg, b, medperf.KindModel, medperf.AssociationRequest{ComponentID: w.Model.ID}); err != nil {
			t.Fatal(err)
		}
		decide(t, page(t), bo.URL(), w.ModelOwner.User, medperf.KindModel, w.Model.ID, b, "reject", "reject")
		as, err := w.BenchmarkOwner.ListAssociations(bg, medperf.AssociationFilter{BenchmarkID: b, Kind: medperf.KindModel, ComponentID: w.Model.ID})
		if err != nil || len(as.Items) != 1 || as.Items[0].ApprovalStatus != medperf.StatusRejected {
			t.Fatalf("the registry's association: %+v, %v", as, err)
		}
	})

	data, labels := uitest.RawData(t, 2)
	t.Run("data owner registers a dataset after previewing its folders", func(t *testing.T) {
		need(t, "benchmark")
		p := page(t)
		p.Open(do.URL() + "/datasets/new")
		p.Do("fill the form", chromedp.SetValue(chromedp.ID("benchmark"), fmt.Sprint(ids["benchmark"])), chromedp.SetValue(chromedp.ID("name"), "site-a-ui"),
			chromedp.SetValue(chromedp.ID("location"), "Hospital A"), chromedp.SetValue(chromedp.ID("data_path"), data), chromedp.SetValue(chromedp.ID("labels_path"), labels),
			chromedp.Click(chromedp.ID("do-preview")), chromedp.WaitVisible(chromedp.ID("preview")))
		files, size, err := site.Survey(bg, data, labels)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Text("#preview-files"); got != strconv.Itoa(files) {
			t.Errorf("preview: %s files, the folders hold %d", got, files)
		}
		if got := p.Text("#preview-size"); got != cube.FormatSize(size) {
			t.Errorf("preview: %s, the folders hold %s", got, cube.FormatSize(size))
		}
		p.Check("dataset-preview")
		hash, err := site.HashFolders(bg, data, labels)
		if err != nil {
			t.Fatal(err)
		}
		p.Do("register", chromedp.Click(chromedp.ID("do-register")), chromedp.WaitVisible(chromedp.ID("job-state")))
		confirmJob(t, p, "dataset-register", func(v map[string]any) {
			if v["input_data_hash"] != hash || v["location"] != "Hospital A" {
				t.Errorf("the payload shown: %v (hash want %s)", v, hash)
			}
			if strings.Contains(p.Text("#payload"), data) {
				t.Error("the payload names the data folder")
			}
		})
		id := idIn(t, p, "#job-done")
		d, err := w.DataOwner.GetDataset(bg, id)
		if err != nil || d.InputDataHash != hash || d.State != medperf.StateDevelopment {
			t.Fatalf("dataset %d on the registry: %+v, %v", id, d, err)
		}
		ids["dataset"] = id
	})

	t.Run("data owner prepares the dataset with live progress", func(t *testing.T) {
		need(t, "dataset")
		p := page(t)
		id := ids["dataset"]
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		p.Check("dataset-development")
		p.Do("prepare", chromedp.Click(chromedp.ID("prepare")), chromedp.WaitVisible(chromedp.ID("job-state")))
		p.Do("see the progress", chromedp.WaitVisible(chromedp.ID("job-log")))
		p.Shot("prepare-running")
		finishJob(t, p, "prepare-done")
		j, err := doSite.PrepareJournal(id)
		if err != nil || len(j.Steps) == 0 {
			t.Fatalf("the journal: %+v, %v", j, err)
		}
		var want []string
		for _, s := range j.Steps {
			want = append(want, s.Name)
		}
		if got := strings.Fields(p.Text("#job-steps")); !containsInOrder(got, want) {
			t.Errorf("steps shown %q, the journal's %q", got, want)
		}
		if p.Text("#job-elapsed") == "" || p.Text("#job-log") == "" {
			t.Error("no elapsed time or log tail")
		}
	})

	t.Run("data owner reviews the statistics and sets the dataset operational", func(t *testing.T) {
		need(t, "dataset")
		p := page(t)
		id := ids["dataset"]
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		var uid any
		p.Do("set operational", chromedp.Click(chromedp.ID("operational")), chromedp.WaitVisible(chromedp.ID("job-state")))
		confirmJob(t, p, "operational", func(v map[string]any) { uid = v["generated_uid"] })
		d, err := w.DataOwner.GetDataset(bg, id)
		if err != nil || d.State != medperf.StateOperation || d.GeneratedUID != uid {
			t.Fatalf("dataset on the registry: %+v (payload uid %v), %v", d, uid, err)
		}
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		if got := p.Text("#dataset-state"); got != string(d.State) {
			t.Errorf("state shown %q, registry %q", got, d.State)
		}
		if got := p.Text("#dataset-uid"); got != d.GeneratedUID {
			t.Errorf("prepared hash shown %q, registry %q", got, d.GeneratedUID)
		}
		p.Check("dataset-operational")
	})

	t.Run("data owner asks to join and the benchmark owner approves", func(t *testing.T) {
		need(t, "dataset", "benchmark")
		p := page(t)
		id, b := ids["dataset"], ids["benchmark"]
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		p.Do("ask to join", chromedp.SetValue(chromedp.ID("assoc-benchmark"), fmt.Sprint(b)), chromedp.Click(chromedp.ID("associate")), chromedp.WaitVisible(chromedp.ID("job-state")))
		confirmJob(t, p, "dataset-associate", nil)
		decide(t, p, bo.URL(), w.DataOwner.User, medperf.KindDataset, id, b, "approve", "dataset")
	})

	t.Run("data owner runs the benchmark, reviews and submits the results", func(t *testing.T) {
		need(t, "dataset", "benchmark", "model")
		p := page(t)
		id, b := ids["dataset"], ids["benchmark"]
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		p.Do("run", chromedp.SetValue(chromedp.ID("run-benchmark"), fmt.Sprint(b)), chromedp.Click(chromedp.ID("run")), chromedp.WaitVisible(chromedp.ID("job-state")))
		p.Do("see the progress", chromedp.WaitVisible(chromedp.ID("job-log")))
		p.Shot("run-running")
		finishJob(t, p, "run-done")
		local, err := doSite.LocalResults(site.ResultQuery{DatasetID: id, BenchmarkID: b})
		if err != nil || len(local) != 2 {
			t.Fatalf("local results: %+v, %v", local, err)
		}
		p.Open(fmt.Sprintf("%s/datasets/%d", do.URL(), id))
		if got := countRows(t, p, "#results tbody tr"); got != len(local) {
			t.Errorf("%d results shown, %d kept", got, len(local))
		}
		p.Check("dataset-results")
		for _, r := range local {
			submitResult(t, p, do.URL(), r, w.DataOwner)
		}
	})

	t.Run("model owner sees the model's results", func(t *testing.T) {
		need(t, "model", "dataset")
		p := page(t)
		m := ids["model"]
		rs, err := w.ModelOwner.ListResults(bg, medperf.ResultFilter{ModelID: m})
		if err != nil || len(rs.Items) == 0 {
			t.Fatalf("the model owner's results: %+v, %v", rs, err)
		}
		p.Open(mo.URL() + "/containers")
		table := p.Text(fmt.Sprintf("#results-%d", m))
		for _, r := range rs.Items {
			if !r.Signed {
				t.Errorf("result %d, submitted from the app, is not signed with the site's key", r.ID)
			}
			if !strings.Contains(table, fmt.Sprint(r.ID)) {
				t.Errorf("result %d is not shown: %q", r.ID, table)
			}
			for _, row := range metricValues(r.Metrics) {
				if !strings.Contains(table, row) {
					t.Errorf("result %d: %q not shown in %q", r.ID, row, table)
				}
			}
		}
		p.Check("containers-mo")
		p.Open(do.URL() + "/")
		p.Check("home-do")
	})
}

// decide approves (or rejects) an association on the benchmark owner's
// requests page, after checking the requester is named.
func decide(t *testing.T, p uitest.Page, base string, requester medperf.User, kind medperf.ComponentKind, id, b int64, action, name string) {
	t.Helper()
	p.Open(base + "/associations")
	// The registry shows other users' accounts to admins only; others see
	// the requester's id.
	if got := p.Text("main"); !strings.Contains(got, requester.Email) && !strings.Contains(got, fmt.Sprintf("user %d", requester.ID)) {
		t.Errorf("the requester %d is not named", requester.ID)
	}
	p.Check("associations-" + name)
	button := fmt.Sprintf("%s-%s-%d-%d", action, kind, id, b)
	p.Do(action, chromedp.Click(chromedp.ID(button)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	want := map[string]string{"approve": "APPROVED", "reject": "REJECTED"}[action]
	if got := p.Text(fmt.Sprintf("#status-%s-%d-%d", kind, id, b)); got != want {
		t.Errorf("status shown %q after %s, want %s", got, action, want)
	}
}

// submitResult reviews a local result, refuses once (nothing is sent),
// then submits it and checks the registry holds the metrics shown.
func submitResult(t *testing.T, p uitest.Page, base string, r site.LocalResult, u interface {
	ListResults(context.Context, medperf.ResultFilter) (*medperf.List[medperf.Result], error)
}) {
	t.Helper()
	bg := context.Background()
	url := base + "/results/" + r.String()
	p.Open(url)
	shown := p.Text("#result-metrics")
	for _, v := range metricValues(r.Metrics) {
		if !strings.Contains(shown, v) {
			t.Errorf("result %s: %q not shown in %q", r.String(), v, shown)
		}
	}
	p.Check("result-review")
	p.Do("submit", chromedp.Click(chromedp.ID("submit-result")), chromedp.WaitVisible(chromedp.ID("job-state")))
	if st := p.WaitJob(); st != "waiting for your confirmation" {
		t.Fatalf("state %q", st)
	}
	p.Do("refuse", chromedp.Click(chromedp.ID("refuse")), chromedp.WaitNotPresent(chromedp.ID("refuse")))
	if st := p.WaitJob(); st != "failed" {
		t.Fatalf("state %q after refusing", st)
	}
	filter := medperf.ResultFilter{BenchmarkID: r.BenchmarkID, ModelID: r.ModelID, DatasetID: r.DatasetID}
	if rs, err := u.ListResults(bg, filter); err != nil || len(rs.Items) != 0 {
		t.Fatalf("after refusing, the registry holds %+v, %v", rs, err)
	}
	p.Open(url)
	p.Do("submit", chromedp.Click(chromedp.ID("submit-result")), chromedp.WaitVisible(chromedp.ID("job-state")))
	confirmJob(t, p, "result-submit", func(v map[string]any) {
		got, _ := json.Marshal(v["results"])
		if !sameJSON(got, r.Metrics) {
			t.Errorf("the payload's metrics %s, the local result's %s", got, r.Metrics)
		}
	})
	rs, err := u.ListResults(bg, filter)
	if err != nil || len(rs.Items) != 1 || !sameJSON(rs.Items[0].Metrics, r.Metrics) {
		t.Fatalf("the registry holds %+v, %v", rs, err)
	}
	p.Open(url)
	if got := p.Text("#result-submitted"); !strings.Contains(got, fmt.Sprint(rs.Items[0].ID)) {
		t.Errorf("the page says %q, the registry's id is %d", got, rs.Items[0].ID)
	}
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// metricValues are the numeric metrics of raw as the pages print them.
func metricValues(raw json.RawMessage) []string {
	var m map[string]any
	json.Unmarshal(raw, &m)
	var out []string
	for k, v := range m {
		if f, ok := v.(float64); ok && !math.IsNaN(f) {
			out = append(out, k, fmt.Sprintf("%.4g", f))
		}
	}
	return out
}

func containsInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

func countRows(t *testing.T, p uitest.Page, sel string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx, 30e9)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
