package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func (s *Server) benchmarkOwnerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /benchmarks/new", s.benchmarkForm)
	mux.HandleFunc("POST /benchmarks/new", s.benchmarkSubmit)
	mux.HandleFunc("GET /associations", s.associationsPage)
	mux.HandleFunc("POST /associations/decide", s.associationDecide)
}

// The form offers metricRowsStep metric declarations, and that many more
// each time "More metric rows" is pressed, up to maxMetricRows.
const (
	metricRowsStep = 4
	maxMetricRows  = 40
)

// metricInput is one metric declaration row of the benchmark form.
type metricInput struct {
	Index           int
	Name, Direction string
	Min, Max        string
	Primary         bool
}

type benchmarkFormData struct {
	Containers  []medperf.Container
	In          medperf.BenchmarkInput
	Metrics     []metricInput
	CasesMetric string
	Problem     string
}

func (s *Server) benchmarkForm(w http.ResponseWriter, r *http.Request) {
	cs, err := s.myContainers(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := benchmarkFormData{Containers: cs}
	d.addRows(metricRowsStep)
	s.render(w, r, "benchmark_new", view{Title: "Register a benchmark", Data: d})
}

// benchmarkSubmit checks the form with the registry's own validation, then
// starts the registration: the compatibility test of the three containers on
// the demo data, then the payload to confirm.
func (s *Server) benchmarkSubmit(w http.ResponseWriter, r *http.Request) {
	d, err := s.readBenchmarkForm(r)
	if r.PostForm.Get("action") == "more" {
		d.addRows(metricRowsStep)
		d.Containers, _ = s.myContainers(r.Context())
		s.render(w, r, "benchmark_new", view{Title: "Register a benchmark", Data: d})
		return
	}
	if err == nil {
		// The site computes the demo data's hashes (tarball and prepared
		// data) in its compatibility test; every other field is checked
		// now, as the registry will.
		check := d.In
		if check.DemoDatasetHash == "" {
			check.DemoDatasetHash = strings.Repeat("0", 64)
		}
		check.DemoDatasetGeneratedUID = strings.Repeat("0", 64)
		err = check.Validate()
	}
	if err != nil {
		d.Problem = medperf.ErrorMessage(err)
		if d.Containers, _ = s.myContainers(r.Context()); true {
			s.renderStatus(w, statusOf(err), "benchmark_new", s.fill(r, view{Title: "Register a benchmark", Data: d}))
		}
		return
	}
	in := d.In
	j := s.start(&job{Title: "Register benchmark " + in.Name, Back: "/benchmarks/new"}, func(ctx context.Context, st *site.Site) (string, string, error) {
		b, _, err := st.SubmitBenchmark(ctx, in)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Registered benchmark %d %q; it waits for an administrator's approval (%s).", b.ID, b.Name, b.ApprovalStatus), "/", nil
	})
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}

func (s *Server) readBenchmarkForm(r *http.Request) (*benchmarkFormData, error) {
	f := r.PostForm
	d := &benchmarkFormData{CasesMetric: strings.TrimSpace(f.Get("cases_metric"))}
	d.In = medperf.BenchmarkInput{Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), DocsURL: strings.TrimSpace(f.Get("docs_url")),
		ClinicalTask: f.Get("clinical_task"), TargetPopulation: f.Get("target_population"), LabellingMethodology: f.Get("labelling_methodology"),
		DemoDatasetURL: strings.TrimSpace(f.Get("demo_url")), DemoDatasetHash: strings.TrimSpace(f.Get("demo_hash")), State: medperf.StateOperation}
	if f.Get("development") != "" {
		d.In.State = medperf.StateDevelopment
	}
	set := medperf.MetricSet{CasesMetric: d.CasesMetric}
	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	rows, _ := strconv.Atoi(f.Get("rows"))
	for i := range min(max(rows, metricRowsStep), maxMetricRows) {
		m := metricInput{Index: i, Name: strings.TrimSpace(f.Get(fmt.Sprintf("metric_%d_name", i))), Direction: f.Get(fmt.Sprintf("metric_%d_direction", i)),
			Min: strings.TrimSpace(f.Get(fmt.Sprintf("metric_%d_min", i))), Max: strings.TrimSpace(f.Get(fmt.Sprintf("metric_%d_max", i))),
			Primary: f.Get("primary") == strconv.Itoa(i)}
		d.Metrics = append(d.Metrics, m)
		if m.Name == "" {
			continue
		}
		spec, err := m.spec()
		keep(err)
		set.Metrics = append(set.Metrics, spec)
	}
	if set.Declared() {
		raw, err := json.Marshal(set)
		keep(err)
		d.In.Metrics = raw
	}
	for field, dst := range map[string]*int64{"preparator": &d.In.DataPreparationContainer, "reference": &d.In.ReferenceModelContainer, "evaluator": &d.In.DataEvaluatorContainer} {
		n, err := formInt(r, field, "one of your containers")
		keep(err)
		*dst = n
	}
	return d, firstErr
}

// addRows adds n empty metric rows (the first one primary when it is the
// only row), within maxMetricRows.
func (d *benchmarkFormData) addRows(n int) {
	for range n {
		i := len(d.Metrics)
		if i >= maxMetricRows {
			return
		}
		d.Metrics = append(d.Metrics, metricInput{Index: i, Direction: string(medperf.HigherIsBetter), Primary: i == 0})
	}
}

func (m metricInput) spec() (medperf.MetricSpec, error) {
	spec := medperf.MetricSpec{Name: m.Name, Direction: medperf.Direction(m.Direction), Primary: m.Primary}
	for _, b := range []struct {
		text string
		dst  **float64
		what string
	}{{m.Min, &spec.Min, "min"}, {m.Max, &spec.Max, "max"}} {
		if b.text == "" {
			continue
		}
		v, err := strconv.ParseFloat(b.text, 64)
		if err != nil {
			return spec, medperf.FieldError(fmt.Sprintf("metrics[%d].%s", m.Index, b.what), "must be a number")
		}
		*b.dst = &v
	}
	return spec, nil
}

// pendingRow is an association waiting for the benchmark owner's decision,
// with what the decision needs.
type pendingRow struct {
	medperf.Association
	Benchmark string
	Requester string
}

func (s *Server) associationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	bs, err := s.myBenchmarks(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var rows []pendingRow
	for _, b := range bs {
		for _, kind := range []medperf.ComponentKind{medperf.KindModel, medperf.KindDataset} {
			as, err := s.associations(ctx, medperf.AssociationFilter{BenchmarkID: b.ID, Kind: kind})
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			for _, a := range as {
				rows = append(rows, pendingRow{Association: a, Benchmark: b.Name, Requester: s.userName(ctx, a.InitiatedBy)})
			}
		}
	}
	// Pending requests first: they are what the page is for.
	slices.SortStableFunc(rows, func(a, b pendingRow) int {
		return boolRank(a.ApprovalStatus != medperf.StatusPending) - boolRank(b.ApprovalStatus != medperf.StatusPending)
	})
	s.render(w, r, "associations", view{Title: "Requests to decide", Notice: r.URL.Query().Get("done"), Data: rows})
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// userName names a user when the registry lets the caller see them.
func (s *Server) userName(ctx context.Context, id int64) string {
	if u, err := s.cfg.Site.Registry.GetUser(ctx, id); err == nil {
		return fmt.Sprintf("%s <%s>", u.Name, u.Email)
	}
	return fmt.Sprintf("user %d", id)
}

func (s *Server) associationDecide(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	b, err := formInt(r, "benchmark", "a benchmark")
	var id int64
	if err == nil {
		id, err = formInt(r, "component", "a dataset or model")
	}
	kind := medperf.ComponentKind(f.Get("kind"))
	to := medperf.ApprovalStatus(f.Get("decision"))
	if err == nil && kind != medperf.KindDataset && kind != medperf.KindModel {
		err = medperf.FieldError("kind", "must be dataset or model")
	}
	if err == nil {
		_, err = s.cfg.Site.Registry.DecideAssociation(r.Context(), b, kind, id, medperf.AssociationDecision{ApprovalStatus: &to})
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	done := url.Values{"done": {fmt.Sprintf("%s %d is now %s in benchmark %d.", kind, id, to, b)}}
	http.Redirect(w, r, "/associations?"+done.Encode(), http.StatusSeeOther)
}
