package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/medperf/medperf"
)

type benchmarksData struct {
	Owners map[int64]medperf.UserCard
	Items  []medperf.Benchmark
	Pager  pager
}

func (h *Handler) benchmarks(r *http.Request, _ *medperf.Session) (*result, error) {
	p, err := pageOf(r)
	if err != nil {
		return nil, err
	}
	list, err := h.cfg.Service.ListBenchmarks(r.Context(), medperf.BenchmarkFilter{Page: p})
	if err != nil {
		return nil, err
	}
	return &result{template: "benchmarks", title: "Benchmarks",
		data: benchmarksData{Items: list.Items, Owners: h.owners(r, list.Items), Pager: newPager("/benchmarks", list.Total, p, len(list.Items))}}, nil
}

// participant is one row of a benchmark's participants.
type participant struct {
	medperf.Association
	Name  string
	Link  string
	Asker string
}

type benchmarkData struct {
	B                                     medperf.Benchmark
	Preparator, ReferenceModel, Evaluator string
	DocsURL                               string
	Datasets, Models                      []participant
	CanManage                             bool
	Declared                              []medperf.MetricSpec
	Owner                                 card
	DeclarationError                      string
}

func (h *Handler) loadBenchmark(r *http.Request) (*medperf.Benchmark, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.cfg.Service.GetBenchmark(r.Context(), id)
}

func (h *Handler) benchmark(r *http.Request, s *medperf.Session) (*result, error) {
	b, err := h.loadBenchmark(r)
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	d := benchmarkData{B: *b, Preparator: n.Container(b.DataPreparationContainer),
		ReferenceModel: n.Container(b.ReferenceModelContainer), Evaluator: n.Container(b.DataEvaluatorContainer),
		CanManage: medperf.CanEdit(&s.User, b.Owner), Owner: n.Card(b.Owner)}
	if u, err := url.Parse(b.DocsURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		d.DocsURL = b.DocsURL
	}
	if decl, err := medperf.ParseMetricSet(b.Metrics); err == nil {
		d.Declared = decl.Metrics
	} else {
		d.DeclarationError = medperf.ErrorMessage(err)
	}
	if d.Datasets, d.Models, err = h.participants(r, b.ID, n, ""); err != nil {
		return nil, err
	}
	return &result{template: "benchmark", title: b.Name, data: d}, nil
}

// participants lists the latest association of every dataset and model
// with the benchmark (status: only those with it, when set).
func (h *Handler) participants(r *http.Request, id int64, n *names, status medperf.ApprovalStatus) (datasets, models []participant, err error) {
	for _, kind := range []medperf.ComponentKind{medperf.KindDataset, medperf.KindModel} {
		all, err := medperf.AllPages(func(p medperf.Page) (*medperf.List[medperf.Association], error) {
			return h.cfg.Service.ListAssociations(r.Context(), medperf.AssociationFilter{BenchmarkID: id, Kind: kind, ApprovalStatus: status, Page: p})
		})
		if err != nil {
			return nil, nil, err
		}
		for _, a := range all {
			p := participant{Association: a, Name: n.Component(a), Asker: n.User(a.InitiatedBy).Name}
			if kind == medperf.KindDataset {
				p.Link = fmt.Sprintf("/datasets/%d", a.ComponentID)
				datasets = append(datasets, p)
			} else {
				p.Link = fmt.Sprintf("/containers/%d", a.ComponentID)
				models = append(models, p)
			}
		}
	}
	return datasets, models, nil
}

type docsData struct {
	B    medperf.Benchmark
	HTML any
}

func (h *Handler) benchmarkDocs(r *http.Request, _ *medperf.Session) (*result, error) {
	b, err := h.loadBenchmark(r)
	if err != nil {
		return nil, err
	}
	html, err := renderMarkdown(b.Document)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInternal, "cannot render the document: %v", err)
	}
	return &result{template: "docs", title: b.Name + ": documentation", data: docsData{B: *b, HTML: html}}, nil
}

type associationsData struct {
	B                medperf.Benchmark
	Datasets, Models []participant
	CanDecide        bool
}

func (h *Handler) associations(r *http.Request, s *medperf.Session) (*result, error) {
	b, err := h.loadBenchmark(r)
	if err != nil {
		return nil, err
	}
	d := associationsData{B: *b, CanDecide: medperf.CanEdit(&s.User, b.Owner)}
	if d.Datasets, d.Models, err = h.participants(r, b.ID, h.names(r.Context()), ""); err != nil {
		return nil, err
	}
	return &result{template: "associations", title: b.Name + ": associations", data: d}, nil
}

// decide approves or rejects an association (the form's decision field).
func (h *Handler) decide(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	component, err := pathID(r, "component")
	if err != nil {
		return nil, err
	}
	kind := medperf.ComponentKind(r.PathValue("kind"))
	if kind != medperf.KindDataset && kind != medperf.KindModel {
		return nil, medperf.FieldError("kind", "must be dataset or model, not %q", r.PathValue("kind"))
	}
	status := medperf.ApprovalStatus(r.PostForm.Get("decision"))
	if status != medperf.StatusApproved && status != medperf.StatusRejected {
		return nil, medperf.FieldError("decision", "must be APPROVED or REJECTED")
	}
	if _, err := h.cfg.Service.DecideAssociation(r.Context(), id, kind, component, medperf.AssociationDecision{ApprovalStatus: &status}); err != nil {
		return nil, err
	}
	return &result{redirect: fmt.Sprintf("/benchmarks/%d/associations?notice=%s", id, map[medperf.ApprovalStatus]string{
		medperf.StatusApproved: "approved", medperf.StatusRejected: "rejected"}[status])}, nil
}

// publish sets whether the leaderboard's aggregate rows are public.
func (h *Handler) publish(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	var public bool
	switch r.PostForm.Get("public") {
	case "true":
		public = true
	case "false":
	default:
		return nil, medperf.FieldError("public", "must be true or false")
	}
	if _, err := h.cfg.Service.UpdateBenchmark(r.Context(), id, medperf.BenchmarkPatch{LeaderboardPublic: &public}); err != nil {
		return nil, err
	}
	n := "unpublished"
	if public {
		n = "published"
	}
	return &result{redirect: fmt.Sprintf("/benchmarks/%d/leaderboard?notice=%s", id, n)}, nil
}
