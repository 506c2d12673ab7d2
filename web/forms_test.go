package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// containerForm is a valid container registration form for name, with
// the config written as YAML as an owner would paste it.
func containerForm(name string) url.Values {
	return url.Values{"name": {name}, "config": {"container_type: DockerImage\nimage: example.org/" + name + ":1\ntasks:\n  infer: {}\n"},
		"parameters": {"threshold: 0.5\n"}, "image_hash": {"sha256:" + medperftest.Hash(name)}, "state": {"OPERATION"}}
}

func benchmarkForm(w *medperftest.World, name string) url.Values {
	in := medperftest.BenchmarkInput(name, w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	return url.Values{"name": {in.Name}, "description": {in.Description}, "clinical_task": {in.ClinicalTask}, "target_population": {in.TargetPopulation},
		"labelling_methodology": {in.LabellingMethodology}, "demo_dataset_tarball_url": {in.DemoDatasetURL}, "demo_dataset_tarball_hash": {in.DemoDatasetHash},
		"demo_dataset_generated_uid": {in.DemoDatasetGeneratedUID}, "data_preparation_mlcube": {fmt.Sprint(in.DataPreparationContainer)},
		"reference_model_mlcube": {fmt.Sprint(in.ReferenceModelContainer)}, "data_evaluator_mlcube": {fmt.Sprint(in.DataEvaluatorContainer)},
		"metrics": {"metrics:\n  - {name: dice, direction: higher, min: 0, max: 1, primary: true}\n"}, "document": {"# Hello"}}
}

func withCSRF(v url.Values, token string) url.Values {
	v.Set("csrf_token", token)
	return v
}

func TestRegistrationForms(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, token := signedIn(t, ts, &w.ModelOwner)

	t.Run("a container registered from YAML is the API's container, owned by the user", func(t *testing.T) {
		p := b.post("/containers", withCSRF(containerForm("form-model"), token))
		if p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "?notice=registered") {
			t.Fatalf("status %d, Location %q:\n%.3000s", p.status, p.header.Get("Location"), p.body)
		}
		list := medperftest.Must[*medperf.List[medperf.Container]](t)(w.Admin.ListContainers(ctx, medperf.ContainerFilter{Name: "form-model"}))
		if list.Total != 1 || list.Items[0].Owner != w.ModelOwner.ID || !list.Items[0].IsModel || string(list.Items[0].Parameters) != `{"threshold":0.5}` {
			t.Fatalf("registered %+v", list.Items)
		}
	})
	tests := []struct {
		name   string
		change func(url.Values)
		status int
		field  string
	}{
		{"bad YAML is refused on the config field", func(v url.Values) { v.Set("config", "tasks: [unclosed\n") }, http.StatusBadRequest, "config"},
		{"a bad name is refused on the name field", func(v url.Values) { v.Set("name", "bad<name>") }, http.StatusBadRequest, "name"},
		{"a config the API refuses is refused on the config field", func(v url.Values) { v.Set("config", "container_type: DockerImage\nimage: x\n") }, http.StatusBadRequest, "config"},
		{"a taken name is a conflict on the name field", func(v url.Values) { v.Set("name", w.Model.Name) }, http.StatusConflict, "name"},
		{"a missing image hash is refused on its field", func(v url.Values) { v.Set("image_hash", "") }, http.StatusBadRequest, "image_hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" and keeps what was typed", func(t *testing.T) {
			form := containerForm(strings.ReplaceAll(tt.name, " ", "-")[:20])
			tt.change(form)
			p := b.post("/containers", withCSRF(form, token))
			if p.status != tt.status {
				t.Fatalf("status %d, want %d:\n%.3000s", p.status, tt.status, p.body)
			}
			if !strings.Contains(p.body, fmt.Sprintf(`id="%s-error"`, tt.field)) || !strings.Contains(p.body, fmt.Sprintf(`id="%s" name="%s"`, tt.field, tt.field)) {
				t.Errorf("no error next to %s:\n%.4000s", tt.field, p.body)
			}
			for _, k := range []string{"name", "image_hash"} {
				if !strings.Contains(p.body, fmt.Sprintf(`value="%s"`, htmlEscape(form.Get(k)))) {
					t.Errorf("the form lost %s %q", k, form.Get(k))
				}
			}
		})
	}
	t.Run("a benchmark registered from the form is the API's benchmark", func(t *testing.T) {
		bo, tok := signedIn(t, ts, &w.Stranger)
		form := benchmarkForm(w, "form-bench")
		p := bo.post("/benchmarks", withCSRF(form, tok))
		if p.status != http.StatusSeeOther {
			t.Fatalf("status %d:\n%.3000s", p.status, p.body)
		}
		list := medperftest.Must[*medperf.List[medperf.Benchmark]](t)(w.Admin.ListBenchmarks(ctx, medperf.BenchmarkFilter{Name: form.Get("name")}))
		if list.Total != 1 || list.Items[0].Owner != w.Stranger.ID || list.Items[0].ApprovalStatus != medperf.StatusPending {
			t.Fatalf("registered %+v", list.Items)
		}
		decl := medperftest.Must[medperf.MetricSet](t)(medperf.ParseMetricSet(list.Items[0].Metrics))
		if len(decl.Metrics) != 1 || decl.Metrics[0].Name != "dice" {
			t.Errorf("metrics %s", list.Items[0].Metrics)
		}
	})
	t.Run("a benchmark form without containers marks each select", func(t *testing.T) {
		bo, tok := signedIn(t, ts, &w.DataOwner)
		form := benchmarkForm(w, "form-bench-2")
		form.Del("reference_model_mlcube")
		form.Set("data_evaluator_mlcube", "nope")
		p := bo.post("/benchmarks", withCSRF(form, tok))
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="reference_model_mlcube-error"`) || !strings.Contains(p.body, `id="data_evaluator_mlcube-error"`) {
			t.Fatalf("status %d:\n%.3000s", p.status, p.body)
		}
		if !strings.Contains(p.body, "value=\""+form.Get("name")+"\"") {
			t.Error("the form lost the name")
		}
	})
	t.Run("a form over the size limit is too large, not forbidden", func(t *testing.T) {
		form := containerForm("too-big")
		form.Set("parameters", strings.Repeat("x", 600<<10))
		if p := b.post("/containers", withCSRF(form, token)); p.status != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", p.status)
		}
	})
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
