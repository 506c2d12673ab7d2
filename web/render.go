package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/wire"
)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// hasKeys reports whether the keys of account id were read.
	"hasKeys": func(keys map[int64][]medperf.Key, id int64) bool {
		_, ok := keys[id]
		return ok
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"num": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%.4g", *v)
	},
	// json shows a stored JSON value bounded (see previewJSON); pages
	// that can link to the full value use preview instead.
	"json": func(raw json.RawMessage) string {
		s, _ := previewJSON(raw)
		return s
	},
	"preview": preview,
	"lower":   strings.ToLower,
	// pickers bundles a select of containers.
	"pickers": func(f *form, name, label string, options []medperf.Container) containerPicker {
		return containerPicker{formField: formField{F: f, Name: name, Label: label, Error: f.Errors[name], Value: f.Values[name]}, Options: options}
	},
	// field bundles one form control: the form, the field's name, its
	// label and a hint shown under it.
	"field": func(f *form, name, label, hint string) formField {
		return formField{F: f, Name: name, Label: label, Hint: hint, Error: f.Errors[name], Value: f.Values[name]}
	},
	// row bundles what one association row of a form needs.
	"row": func(b medperf.Benchmark, can bool, csrf string, p participant) associationRow {
		return associationRow{B: b, Can: can, CSRF: csrf, P: p}
	},
}

// formField is one control of a form, for the "input" and "textarea"
// templates.
type formField struct {
	F                        *form
	Name, Label, Hint, Error string
	Value                    string
}

// containerPicker is a select of containers.
type containerPicker struct {
	formField
	Options []medperf.Container
}

// associationRow is the data of one row of the associations page.
type associationRow struct {
	B    medperf.Benchmark
	Can  bool
	CSRF string
	P    participant
}

// parsePages parses every page template with the layout: "NAME.html"
// defines the block "content" of layout.html.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html"))
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFiles, n))
	}
	return pages
}

// render writes a page. It renders into a buffer first, so that a
// template failure becomes an error page, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	var buf bytes.Buffer
	t, ok := h.pages[name]
	if !ok {
		h.cfg.Logger.Error("no such page template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		h.cfg.Logger.Error("rendering a page", "template", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorData is the error page's Data.
type errorData struct {
	Status  int
	Heading string
	Message string
	Field   string
}

var headings = map[medperf.Code]string{
	medperf.CodeInvalid:     "That request is not valid",
	medperf.CodeForbidden:   "You may not do this",
	medperf.CodeNotFound:    "Not found",
	medperf.CodeConflict:    "That clashes with the current state",
	medperf.CodeTooLarge:    "Too large",
	medperf.CodeUnavailable: "The registry is unavailable",
}

// renderError writes the error page of err with the status of its code
// (the API's table). Internal details are logged, never shown.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, s *medperf.Session, err error) {
	code := medperf.ErrorCode(err)
	d := errorData{Status: wire.Status(code), Heading: headings[code], Message: medperf.ErrorMessage(err)}
	var e *medperf.Error
	if errors.As(err, &e) {
		d.Field = e.Field
	}
	if d.Heading == "" {
		d.Heading = "Something went wrong"
	}
	if code == medperf.CodeInternal || code == medperf.CodeUnavailable {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "dashboard request failed",
			slog.String("request_id", w.Header().Get(wire.RequestIDHeader)), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	v := view{Title: d.Heading, Data: d}
	if s != nil {
		v.User, v.CSRF = &s.User, s.CSRF
	}
	h.render(w, r, d.Status, "error", v)
}

func (h *Handler) notFound(r *http.Request, _ *medperf.Session) (*result, error) {
	return nil, medperf.Errorf(medperf.CodeNotFound, "there is no page at %s", r.URL.Path)
}
