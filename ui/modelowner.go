package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site"
)

func (s *Server) modelOwnerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /containers", s.containersPage)
	mux.HandleFunc("GET /containers/new", s.containerForm)
	mux.HandleFunc("POST /containers/new", s.containerSubmit)
	mux.HandleFunc("POST /containers/{id}/associate", s.containerAssociate)
}

// containerRow is one of the user's containers with, for a model, its
// requests to join benchmarks and the results the registry shows.
type containerRow struct {
	medperf.Container
	Associations []medperf.Association
	Results      []medperf.Result
}

type containersData struct {
	Containers []containerRow
	Benchmarks []medperf.Benchmark
}

func (s *Server) containersPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cs, err := s.myContainers(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := containersData{}
	if d.Benchmarks, err = s.approvedBenchmarks(ctx); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, c := range cs {
		row := containerRow{Container: c}
		if c.IsModel {
			if row.Associations, row.Results, err = s.modelActivity(ctx, c.ID, d.Benchmarks); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		d.Containers = append(d.Containers, row)
	}
	s.render(w, r, "containers", view{Title: "Containers and models", Data: d})
}

func (s *Server) modelActivity(ctx context.Context, id int64, benchmarks []medperf.Benchmark) ([]medperf.Association, []medperf.Result, error) {
	reg := s.cfg.Site.Registry
	as, err := s.associationsOf(ctx, medperf.KindModel, id, benchmarks)
	if err != nil {
		return nil, nil, err
	}
	rs, err := client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Result], error) {
		return reg.ListResults(ctx, medperf.ResultFilter{ModelID: id, Page: p})
	})
	return as, rs, err
}

// containerFormData is the container registration form.
type containerFormData struct {
	Name, ConfigPath, ConfigYAML, ParametersPath string
	ImageHash, AdditionalURL, AdditionalHash     string
	Model, Development                           bool
	// Valid is the summary of a config that parsed; Problem, Line what is
	// wrong with one that did not.
	Valid, Problem string
	Line           int
}

func (s *Server) containerForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "container_new", view{Title: "Register a container or a model", Data: containerFormData{Model: r.URL.Query().Get("model") != ""}})
}

// containerSubmit validates the config (action=validate) or registers the
// container; a pasted config is validated with the parser sites use and
// saved under the site's storage, as the file the registration reads.
func (s *Server) containerSubmit(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	d := containerFormData{Name: strings.TrimSpace(f.Get("name")), ConfigPath: strings.TrimSpace(f.Get("config_path")), ConfigYAML: f.Get("config_yaml"),
		ParametersPath: strings.TrimSpace(f.Get("parameters_path")), ImageHash: strings.TrimSpace(f.Get("image_hash")),
		AdditionalURL: strings.TrimSpace(f.Get("additional_url")), AdditionalHash: strings.TrimSpace(f.Get("additional_hash")),
		Model: f.Get("model") != "", Development: f.Get("development") != ""}
	cfg, err := d.parse()
	if err == nil {
		d.Valid = fmt.Sprintf("The config is valid: a %s with the tasks %s.", cfg.Type, strings.Join(taskNames(cfg), ", "))
		if d.Name == "" {
			err = medperf.FieldError("name", "is required: name the container")
		}
	}
	if err != nil || f.Get("action") == "validate" {
		st := http.StatusOK
		if err != nil {
			d.Problem, st = medperf.ErrorMessage(err), statusOf(err)
			var ce *cube.ConfigError
			if errors.As(err, &ce) && ce.Line > 0 {
				d.Line, d.Problem = ce.Line, ce.Problem
				if ce.Field != "" {
					d.Problem = ce.Field + ": " + ce.Problem
				}
			}
		}
		s.renderStatus(w, st, "container_new", s.fill(r, view{Title: "Register a container or a model", Data: d}))
		return
	}
	file := d.ConfigPath
	if file == "" {
		if file, err = s.savePasted(d.ConfigYAML); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	in := site.ContainerSubmission{Name: d.Name, ConfigFile: file, ParametersFile: d.ParametersPath, AdditionalFilesURL: d.AdditionalURL,
		AdditionalFilesHash: d.AdditionalHash, ImageHash: d.ImageHash, Model: d.Model, Development: d.Development}
	j := s.start(&job{Title: "Register container " + d.Name, Back: "/containers/new"}, func(ctx context.Context, st *site.Site) (string, string, error) {
		c, err := st.SubmitContainer(ctx, in)
		if err != nil {
			return "", "", err
		}
		return fmt.Sprintf("Registered container %d %q.", c.ID, c.Name), "/containers#c" + strconv.FormatInt(c.ID, 10), nil
	})
	http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
}

// parse reads the config from its path, or the pasted one.
func (d *containerFormData) parse() (*cube.Config, error) {
	switch {
	case d.ConfigPath != "" && strings.TrimSpace(d.ConfigYAML) != "":
		return nil, medperf.FieldError("config", "give a config file path or paste a config, not both")
	case d.ConfigPath != "":
		return cube.ReadConfig(d.ConfigPath)
	case strings.TrimSpace(d.ConfigYAML) != "":
		return cube.ParseConfig("", []byte(d.ConfigYAML))
	}
	return nil, medperf.FieldError("config", "is required: give the path of a container_config.yaml or paste one")
}

func taskNames(c *cube.Config) []string {
	return slices.Sorted(maps.Keys(c.Tasks))
}

// savePasted writes a pasted config under the site's storage (ui/configs),
// where the registration reads it like a file given on the command line.
func (s *Server) savePasted(yaml string) (string, error) {
	dir := filepath.Join(s.cfg.Site.Home, "ui", "configs", strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot save the pasted config under " + dir, Err: err}
	}
	file := filepath.Join(dir, "container_config.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		return "", &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot save the pasted config as " + file, Err: err}
	}
	return file, nil
}

func (s *Server) containerAssociate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "container")
	if err == nil {
		var b int64
		if b, err = formInt(r, "benchmark", "a benchmark"); err == nil {
			j := s.start(&job{Title: fmt.Sprintf("Ask benchmark %d to accept model %d", b, id), Back: "/containers"}, func(ctx context.Context, st *site.Site) (string, string, error) {
				a, err := st.AssociateModel(ctx, id, b)
				if err != nil {
					return "", "", err
				}
				return fmt.Sprintf("Asked benchmark %d to accept model %d: the request is %s.", b, id, a.ApprovalStatus), "/containers#c" + strconv.FormatInt(id, 10), nil
			})
			http.Redirect(w, r, jobPath(j), http.StatusSeeOther)
			return
		}
	}
	s.renderError(w, r, err)
}
