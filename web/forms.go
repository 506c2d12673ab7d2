package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// form is a registration form as the browser sent it, with the errors to
// show next to its fields. A failed submission renders the form again
// with what was typed, so nothing is lost.
type form struct {
	Values map[string]string
	// Errors are by form field; Error is a message for no one field.
	Errors map[string]string
	Error  string
}

func newForm(r *http.Request, fields ...string) *form {
	f := &form{Values: map[string]string{}, Errors: map[string]string{}}
	if r != nil {
		for _, k := range fields {
			f.Values[k] = r.PostForm.Get(k)
		}
	}
	return f
}

// Get returns a field's value, for the templates.
func (f *form) Get(k string) string { return f.Values[k] }

// fail records err against the form field it names (its first path
// element: "config" for "config.tasks.infer"), or as a form-wide message
// when the field is not on the form. It returns the status of the page.
func (f *form) fail(err error) int {
	var e *medperf.Error
	msg := medperf.ErrorMessage(err)
	if errors.As(err, &e) && e.Field != "" {
		field, _, _ := strings.Cut(e.Field, ".")
		field, _, _ = strings.Cut(field, "[")
		if _, ok := f.Values[field]; ok {
			if e.Field != field {
				msg = e.Field + ": " + msg
			}
			f.Errors[field] = msg
			return statusOf(err)
		}
		msg = e.Field + ": " + msg
	}
	f.Error = msg
	return statusOf(err)
}

func statusOf(err error) int {
	switch medperf.ErrorCode(err) {
	case medperf.CodeInvalid:
		return http.StatusBadRequest
	case medperf.CodeConflict:
		return http.StatusConflict
	case medperf.CodeNotFound:
		return http.StatusNotFound
	}
	return 0 // not a form error: the page shows the error page
}

// structured reads a YAML or JSON text field (YAML is a superset) into
// JSON; empty gives nil. A syntax error names the field and the line.
func structured(field, text string) (json.RawMessage, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return nil, medperf.FieldError(field, "is not valid YAML or JSON: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, medperf.FieldError(field, "holds a value JSON cannot carry (keys must be text): %v", err)
	}
	var b bytes.Buffer
	json.Compact(&b, raw)
	return b.Bytes(), nil
}

// formID reads a positive id from a select.
func formID(f *form, field string) (int64, error) {
	v, err := strconv.ParseInt(f.Get(field), 10, 64)
	if err != nil || v <= 0 {
		return 0, medperf.FieldError(field, "choose one")
	}
	return v, nil
}

// stateOf reads the state select: DEVELOPMENT unless OPERATION is chosen.
func stateOf(f *form) medperf.State {
	if f.Get("state") == string(medperf.StateOperation) {
		return medperf.StateOperation
	}
	return medperf.StateDevelopment
}

// formPage is the result of showing a form again after a failure, or of
// showing it first (status 0 means 200).
func formPage(template, title string, status int, data any) *result {
	return &result{template: template, title: title, status: status, data: data}
}

var containerFields = []string{"name", "config", "parameters", "image_hash", "additional_files_tarball_url", "additional_files_tarball_hash", "state"}

type containerForm struct {
	F *form
}

func (h *Handler) newContainerPage(r *http.Request, _ *medperf.Session) (*result, error) {
	return formPage("container-new", "Register a container or model", 0, containerForm{F: newForm(nil, containerFields...)}), nil
}

// createContainer registers a container through the same service method
// as the API, so the same checks apply; the config and parameters may be
// written as YAML, as in container_config.yaml.
func (h *Handler) createContainer(r *http.Request, _ *medperf.Session) (*result, error) {
	f := newForm(r, containerFields...)
	in := medperf.ContainerInput{Name: strings.TrimSpace(f.Get("name")), ImageHash: strings.TrimSpace(f.Get("image_hash")),
		AdditionalFilesURL: strings.TrimSpace(f.Get("additional_files_tarball_url")), AdditionalFilesHash: strings.TrimSpace(f.Get("additional_files_tarball_hash")),
		State: stateOf(f)}
	var err error
	if in.Config, err = structured("config", f.Get("config")); err == nil {
		in.Parameters, err = structured("parameters", f.Get("parameters"))
	}
	if err == nil && len(in.Config) == 0 {
		err = medperf.FieldError("config", "is required: paste container_config.yaml")
	}
	var c *medperf.Container
	if err == nil {
		c, err = h.cfg.Service.CreateContainer(r.Context(), in)
	}
	if err != nil {
		if status := f.fail(err); status != 0 {
			return formPage("container-new", "Register a container or model", status, containerForm{F: f}), nil
		}
		return nil, err
	}
	return &result{redirect: fmt.Sprintf("/containers/%d?notice=registered", c.ID)}, nil
}

var benchmarkFields = []string{"name", "description", "docs_url", "document", "clinical_task", "target_population", "labelling_methodology",
	"demo_dataset_tarball_url", "demo_dataset_tarball_hash", "demo_dataset_generated_uid",
	"data_preparation_mlcube", "reference_model_mlcube", "data_evaluator_mlcube", "metrics", "state"}

type benchmarkForm struct {
	F                               *form
	Preparators, Models, Evaluators []medperf.Container
}

func (h *Handler) benchmarkForm(r *http.Request, f *form) (benchmarkForm, error) {
	all, err := medperf.AllPages(func(p medperf.Page) (*medperf.List[medperf.Container], error) {
		p.Limit = medperf.MaxPageSize
		return h.cfg.Service.ListContainers(r.Context(), medperf.ContainerFilter{Page: p})
	})
	if err != nil {
		return benchmarkForm{}, err
	}
	d := benchmarkForm{F: f}
	for _, c := range all {
		for _, t := range c.Tasks {
			switch t {
			case medperf.TaskPrepare:
				d.Preparators = append(d.Preparators, c)
			case medperf.TaskInfer:
				d.Models = append(d.Models, c)
			case medperf.TaskEvaluate:
				d.Evaluators = append(d.Evaluators, c)
			}
		}
	}
	return d, nil
}

func (h *Handler) newBenchmarkPage(r *http.Request, _ *medperf.Session) (*result, error) {
	d, err := h.benchmarkForm(r, newForm(nil, benchmarkFields...))
	if err != nil {
		return nil, err
	}
	return formPage("benchmark-new", "Register a benchmark", 0, d), nil
}

// createBenchmark registers a benchmark through the service, as the API
// does; the metric declarations may be YAML.
func (h *Handler) createBenchmark(r *http.Request, _ *medperf.Session) (*result, error) {
	f := newForm(r, benchmarkFields...)
	b, err := h.benchmarkInput(f)
	var created *medperf.Benchmark
	if err == nil {
		created, err = h.cfg.Service.CreateBenchmark(r.Context(), b)
	}
	if err != nil {
		status := f.fail(err)
		if status == 0 {
			return nil, err
		}
		d, lerr := h.benchmarkForm(r, f)
		if lerr != nil {
			return nil, lerr
		}
		return formPage("benchmark-new", "Register a benchmark", status, d), nil
	}
	return &result{redirect: fmt.Sprintf("/benchmarks/%d?notice=registered", created.ID)}, nil
}

func (h *Handler) benchmarkInput(f *form) (medperf.BenchmarkInput, error) {
	t := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	in := medperf.BenchmarkInput{Name: t("name"), Description: t("description"), DocsURL: t("docs_url"), Document: f.Get("document"),
		ClinicalTask: t("clinical_task"), TargetPopulation: t("target_population"), LabellingMethodology: t("labelling_methodology"),
		DemoDatasetURL: t("demo_dataset_tarball_url"), DemoDatasetHash: t("demo_dataset_tarball_hash"), DemoDatasetGeneratedUID: t("demo_dataset_generated_uid"),
		State: stateOf(f)}
	// Every field read here is checked before the service is called, and
	// each error shown next to its field; the first is returned.
	var first error
	note := func(err error) {
		var e *medperf.Error
		if err != nil && errors.As(err, &e) {
			f.Errors[e.Field] = e.Message
			if first == nil {
				first = err
			}
		}
	}
	for _, pick := range []struct {
		field string
		to    *int64
	}{{"data_preparation_mlcube", &in.DataPreparationContainer}, {"reference_model_mlcube", &in.ReferenceModelContainer}, {"data_evaluator_mlcube", &in.DataEvaluatorContainer}} {
		var err error
		*pick.to, err = formID(f, pick.field)
		note(err)
	}
	var err error
	in.Metrics, err = structured("metrics", f.Get("metrics"))
	note(err)
	return in, first
}
