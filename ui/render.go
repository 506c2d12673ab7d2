package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// pages are the parsed templates, one set per page (the layout and the
// page's own "content").
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"size":    func(n int64) string { return cube.FormatSize(n) },
	"metrics": metricRows,
	"json":    prettyJSON,
	"compat":  compatResults,
}

// compatResults are the metrics of the compatibility test an association
// request carries (metadata.compatibility_test.results), what a decision
// is mostly about; the rest of the metadata is shown apart.
func compatResults(raw json.RawMessage) []metricRow {
	var m struct {
		Test struct {
			Results json.RawMessage `json:"results"`
		} `json:"compatibility_test"`
	}
	if json.Unmarshal(raw, &m) != nil || len(m.Test.Results) == 0 {
		return nil
	}
	return metricRows(m.Test.Results)
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		p.byName[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n))
	}
	return p
}

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	return http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
}

// view is what every page's template receives.
type view struct {
	Title  string
	User   *medperf.User
	Server string
	CSRF   string
	Notice string
	Error  string
	// Refresh, when set, reloads the page every that many seconds (the
	// progress of a running job).
	Refresh int
	Data    any
}

// render writes the page name with d, for the request's session.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, d view) {
	s.renderStatus(w, http.StatusOK, name, s.fill(r, d))
}

func (s *Server) fill(r *http.Request, d view) view {
	d.User, d.Server = s.cfg.User, s.cfg.Server
	d.CSRF, _ = s.session(r)
	return d
}

func (s *Server) renderStatus(w http.ResponseWriter, status int, name string, d view) {
	t := s.pages.byName[name]
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", d); err != nil {
		http.Error(w, "internal error: the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// renderError shows err's safe message with the status of its code.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	s.renderStatus(w, statusOf(err), "error", s.fill(r, view{Title: "Something went wrong", Error: medperf.ErrorMessage(err)}))
}

// metricRow is one metric of a result, flattened (nested keys joined by
// dots) so that a person reads a table rather than JSON.
type metricRow struct{ Name, Value string }

func metricRows(raw json.RawMessage) []metricRow {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var rows []metricRow
	flatten("", v, &rows)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	return rows
}

func flatten(prefix string, v any, rows *[]metricRow) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			flatten(name, e, rows)
		}
	case float64:
		*rows = append(*rows, metricRow{prefix, fmt.Sprintf("%.4g", x)})
	default:
		b, _ := json.Marshal(x)
		*rows = append(*rows, metricRow{prefix, string(b)})
	}
}

func prettyJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
