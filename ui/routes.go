package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/site"
)

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /jobs/{id}", s.jobPage)
	mux.HandleFunc("POST /jobs/{id}/answer", s.jobAnswer)
	s.dataOwnerRoutes(mux)
	s.modelOwnerRoutes(mux)
	s.benchmarkOwnerRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, medperf.Errorf(medperf.CodeNotFound, "there is no page %s here: start from the home page", r.URL.Path))
	})
}

// homeData is the home page: the user's work, by role.
type homeData struct {
	Datasets   []datasetRow
	Containers []medperf.Container
	Benchmarks []medperf.Benchmark
	Jobs       []jobView
}

// datasetRow is a dataset registered from this machine, with its state on
// the server.
type datasetRow struct {
	site.LocalDataset
	Name, State string
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var d homeData
	rows, err := s.localDatasets(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Datasets = rows
	if d.Containers, err = s.myContainers(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	if d.Benchmarks, err = s.myBenchmarks(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, j := range s.jobs.all() {
		d.Jobs = append(d.Jobs, j.view())
	}
	s.render(w, r, "home", view{Title: "Home", Data: d})
}

func (s *Server) localDatasets(ctx context.Context) ([]datasetRow, error) {
	locals, err := s.cfg.Site.LocalDatasets()
	if err != nil {
		return nil, err
	}
	var rows []datasetRow
	for _, l := range locals {
		row := datasetRow{LocalDataset: l, State: "not on the server"}
		if d, err := s.cfg.Site.Registry.GetDataset(ctx, l.ID); err == nil {
			row.Name, row.State = d.Name, string(d.State)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (s *Server) myContainers(ctx context.Context) ([]medperf.Container, error) {
	return client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Container], error) {
		return s.cfg.Site.Registry.ListContainers(ctx, medperf.ContainerFilter{Owner: s.cfg.User.ID, Page: p})
	})
}

func (s *Server) myBenchmarks(ctx context.Context) ([]medperf.Benchmark, error) {
	return client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Benchmark], error) {
		return s.cfg.Site.Registry.ListBenchmarks(ctx, medperf.BenchmarkFilter{Owner: s.cfg.User.ID, Page: p})
	})
}

// approvedBenchmarks are the benchmarks one may join.
func (s *Server) approvedBenchmarks(ctx context.Context) ([]medperf.Benchmark, error) {
	return client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Benchmark], error) {
		return s.cfg.Site.Registry.ListBenchmarks(ctx, medperf.BenchmarkFilter{ApprovalStatus: medperf.StatusApproved, Page: p})
	})
}

func (s *Server) jobOf(w http.ResponseWriter, r *http.Request) *job {
	id, _ := strconv.Atoi(r.PathValue("id"))
	j := s.jobs.get(id)
	if j == nil {
		s.renderError(w, r, medperf.Errorf(medperf.CodeNotFound, "there is no job %s: jobs last as long as medperf ui runs", r.PathValue("id")))
	}
	return j
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	j := s.jobOf(w, r)
	if j == nil {
		return
	}
	v := j.view()
	refresh := 0
	if v.Running() {
		refresh = 2
	}
	s.render(w, r, "job", view{Title: v.Title, Refresh: refresh, Data: struct {
		jobView
		Review []metricRow
	}{v, j.review}})
}

// jobAnswer is the user's answer to what a job asks: "send" confirms the
// payload shown, anything else refuses it (nothing is sent).
func (s *Server) jobAnswer(w http.ResponseWriter, r *http.Request) {
	j := s.jobOf(w, r)
	if j == nil {
		return
	}
	if !j.answer(r.PostForm.Get("answer") == "send") {
		s.renderError(w, r, medperf.Errorf(medperf.CodeConflict, "this job is not waiting for an answer (it was already given): see the job's page"))
		return
	}
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}

// formInt reads the positive integer form field name.
func formInt(r *http.Request, name, what string) (int64, error) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, medperf.FieldError(name, "must be the id of %s (a positive number)", what)
	}
	return n, nil
}

func pathID(r *http.Request, what string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, medperf.Errorf(medperf.CodeNotFound, "there is no %s %q", what, r.PathValue("id"))
	}
	return n, nil
}

// associationsOf lists the requests of component id (a dataset or a model)
// to join any approved benchmark: the registry lists associations per
// benchmark and kind.
func (s *Server) associationsOf(ctx context.Context, kind medperf.ComponentKind, id int64, benchmarks []medperf.Benchmark) ([]medperf.Association, error) {
	var out []medperf.Association
	for _, b := range benchmarks {
		as, err := s.associations(ctx, medperf.AssociationFilter{BenchmarkID: b.ID, Kind: kind, ComponentID: id})
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

// associations lists every page of f's associations.
func (s *Server) associations(ctx context.Context, f medperf.AssociationFilter) ([]medperf.Association, error) {
	return client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Association], error) {
		f.Page = p
		return s.cfg.Site.Registry.ListAssociations(ctx, f)
	})
}
