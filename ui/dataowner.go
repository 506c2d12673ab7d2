package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func (s *Server) dataOwnerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /datasets/new", s.datasetForm)
	mux.HandleFunc("POST /datasets/new", s.datasetSubmit)
	mux.HandleFunc("GET /datasets/{id}", s.datasetPage)
	mux.HandleFunc("POST /datasets/{id}/prepare", s.datasetPrepare)
	mux.HandleFunc("POST /datasets/{id}/operational", s.datasetOperational)
	mux.HandleFunc("POST /datasets/{id}/associate", s.datasetAssociate)
	mux.HandleFunc("POST /datasets/{id}/run", s.datasetRun)
	mux.HandleFunc("GET /results/{key}", s.resultPage)
	mux.HandleFunc("POST /results/{key}/submit", s.resultSubmit)
}

// datasetFormData is the dataset registration form, with the preview of
// the folders when asked.
type datasetFormData struct {
	Benchmarks                  []medperf.Benchmark
	Benchmark                   int64
	Name, Description, Location string
	DataPath, LabelsPath        string
	Previewed                   bool
	Files                       int
	Bytes                       int64
	FieldError                  string
}

func (s *Server) datasetForm(w http.ResponseWriter, r *http.Request) {
	bs, err := s.approvedBenchmarks(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, "dataset_new", view{Title: "Register a dataset", Data: datasetFormData{Benchmarks: bs}})
}

// datasetSubmit previews the folders (action=preview) or starts the
// registration; nothing is uploaded either way.
func (s *Server) datasetSubmit(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	d := datasetFormData{Name: strings.TrimSpace(f.Get("name")), Description: f.Get("description"), Location: f.Get("location"),
		DataPath: strings.TrimSpace(f.Get("data_path")), LabelsPath: strings.TrimSpace(f.Get("labels_path"))}
	var err error
	if d.Benchmarks, err = s.approvedBenchmarks(r.Context()); err != nil {
		s.renderError(w, r, err)
		return
	}
	d.Benchmark, err = formInt(r, "benchmark", "an approved benchmark")
	if err == nil {
		d.Files, d.Bytes, err = site.Survey(r.Context(), d.DataPath, d.LabelsPath)
		d.Previewed = err == nil
	}
	if err != nil || f.Get("action") == "preview" {
		if err != nil {
			d.FieldError = medperf.ErrorMessage(err)
		}
		st := http.StatusOK
		if err != nil {
			st = statusOf(err)
		}
		s.renderStatus(w, st, "dataset_new", s.fill(r, view{Title: "Register a dataset", Data: d}))
		return
	}
	in := site.DatasetSubmission{BenchmarkID: d.Benchmark, DataPath: d.DataPath, LabelsPath: d.LabelsPath, Name: d.Name, Description: d.Description, Location: d.Location}
	j := s.start(&job{Title: "Register dataset " + d.Name, Back: "/datasets/new"}, func(ctx context.Context, st *site.Site) (string, string, error) {
		ds, err := st.SubmitDataset(ctx, in)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Registered dataset %d %q in %s.", ds.ID, ds.Name, ds.State), fmt.Sprintf("/datasets/%d", ds.ID), nil
	})
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}

// datasetData is a dataset's page: the registry's record, the local one
// and its journals, its associations and its local results.
type datasetData struct {
	Dataset      *medperf.Dataset
	Local        *site.LocalDataset
	LocalError   string
	Prepared     []site.Step
	Associations []medperf.Association
	Benchmarks   []medperf.Benchmark
	Results      []site.LocalResult
}

func (s *Server) datasetPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "dataset")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d, err := s.datasetData(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, "dataset", view{Title: "Dataset " + d.Dataset.Name, Data: d})
}

func (s *Server) datasetData(ctx context.Context, id int64) (*datasetData, error) {
	st := s.cfg.Site
	ds, err := st.Registry.GetDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &datasetData{Dataset: ds}
	if d.Local, err = st.LocalDataset(id); err != nil {
		d.LocalError = medperf.ErrorMessage(err)
	}
	d.Prepared = stepsOf(st.PrepareJournal(id))
	if d.Benchmarks, err = s.approvedBenchmarks(ctx); err != nil {
		return nil, err
	}
	if d.Associations, err = s.associationsOf(ctx, medperf.KindDataset, id, d.Benchmarks); err != nil {
		return nil, err
	}
	if d.Results, err = st.LocalResults(site.ResultQuery{DatasetID: id}); err != nil {
		return nil, err
	}
	return d, nil
}

// datasetJob starts an operation on the dataset of the request's path.
func (s *Server) datasetJob(w http.ResponseWriter, r *http.Request, title string, journal func(id int64) func() []site.Step,
	fn func(ctx context.Context, st *site.Site, id int64) (string, string, error)) {
	id, err := pathID(r, "dataset")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var jf func() []site.Step
	if journal != nil {
		jf = journal(id)
	}
	back := fmt.Sprintf("/datasets/%d", id)
	j := s.start(&job{Title: fmt.Sprintf(title, id), Back: back, journal: jf}, func(ctx context.Context, st *site.Site) (string, string, error) { return fn(ctx, st, id) })
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}

func (s *Server) datasetPrepare(w http.ResponseWriter, r *http.Request) {
	s.datasetJob(w, r, "Prepare dataset %d", func(id int64) func() []site.Step {
		return func() []site.Step { return stepsOf(s.cfg.Site.PrepareJournal(id)) }
	}, func(ctx context.Context, st *site.Site, id int64) (string, string, error) {
		if err := st.Prepare(ctx, id); err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Dataset %d is prepared. Review its statistics and set it operational.", id), fmt.Sprintf("/datasets/%d", id), nil
	})
}

func (s *Server) datasetOperational(w http.ResponseWriter, r *http.Request) {
	s.datasetJob(w, r, "Set dataset %d operational", nil, func(ctx context.Context, st *site.Site, id int64) (string, string, error) {
		d, err := st.SetOperational(ctx, id)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Dataset %d is %s.", d.ID, d.State), fmt.Sprintf("/datasets/%d", id), nil
	})
}

func (s *Server) datasetAssociate(w http.ResponseWriter, r *http.Request) {
	b, err := formInt(r, "benchmark", "a benchmark")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.datasetJob(w, r, "Ask benchmark "+fmt.Sprint(b)+" to accept dataset %d", nil, func(ctx context.Context, st *site.Site, id int64) (string, string, error) {
		a, err := st.AssociateDataset(ctx, id, b)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Asked benchmark %d to accept dataset %d: the request is %s.", b, id, a.ApprovalStatus), fmt.Sprintf("/datasets/%d", id), nil
	})
}

func (s *Server) datasetRun(w http.ResponseWriter, r *http.Request) {
	b, err := formInt(r, "benchmark", "a benchmark")
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.datasetJob(w, r, "Run benchmark "+fmt.Sprint(b)+" on dataset %d", func(id int64) func() []site.Step {
		return func() []site.Step { return stepsOf(s.cfg.Site.RunJournal(b, id)) }
	}, func(ctx context.Context, st *site.Site, id int64) (string, string, error) {
		outs, err := st.Run(ctx, b, id, site.RunOptions{IgnoreModelErrors: true})
		if err != nil {
			return "", "", err
		}
		var parts []string
		for _, o := range outs {
			parts = append(parts, fmt.Sprintf("model %d %s", o.Model, o.Status))
		}
		return "Run finished: " + strings.Join(parts, ", ") + ". Review each result before submitting it.", fmt.Sprintf("/datasets/%d", id), nil
	})
}

// resultData is a local result's review page.
type resultData struct {
	Result *site.LocalResult
	Key    string
}

func (s *Server) localResult(r *http.Request) (*site.LocalResult, error) {
	k, err := site.ParseResultKey(r.PathValue("key"))
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeNotFound, "there is no local result %q", r.PathValue("key"))
	}
	return s.cfg.Site.LocalResult(k)
}

func (s *Server) resultPage(w http.ResponseWriter, r *http.Request) {
	res, err := s.localResult(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, "result", view{Title: "Result " + res.String(), Data: resultData{Result: res, Key: res.String()}})
}

// resultSubmit starts the submission; the job shows the metrics next to
// the exact payload and sends it only when the user confirms.
func (s *Server) resultSubmit(w http.ResponseWriter, r *http.Request) {
	res, err := s.localResult(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	k := res.ResultKey
	back := fmt.Sprintf("/datasets/%d", k.DatasetID)
	j := s.start(&job{Title: fmt.Sprintf("Submit the result of model %d on dataset %d to benchmark %d", k.ModelID, k.DatasetID, k.BenchmarkID),
		Back: "/results/" + k.String(), review: metricRows(res.Metrics)},
		func(ctx context.Context, st *site.Site) (string, string, error) {
			out, err := st.SubmitResult(ctx, k)
			if err != nil {
				return "", "", err
			}
			return fmt.Sprintf("Submitted as result %d.", out.ID), back, nil
		})
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}
