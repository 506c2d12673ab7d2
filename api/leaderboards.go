package api

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// download is a response body that is not JSON: an endpoint returns it as
// its value and wrap writes it as is.
type download struct {
	contentType, filename string
	body                  []byte
}

func (d download) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", d.contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	if d.filename != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", d.filename))
	}
	w.WriteHeader(status)
	w.Write(d.body)
}

func csvDownload(filename string, write func(*bytes.Buffer) error) (int, any, error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return 0, nil, medperf.Errorf(medperf.CodeInternal, "cannot write the CSV: %v", err)
	}
	return http.StatusOK, download{contentType: "text/csv; charset=utf-8", filename: filename, body: buf.Bytes()}, nil
}

// format reads the format query parameter: json (the default) or csv.
func (q *query) format() string {
	return q.str("format", func(s string) bool { return s == "json" || s == "csv" })
}

func (h *Handler) leaderboard(r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	q := newQuery(r, "metric", "format")
	metric, format := q.str("metric", nil), q.format()
	if q.err != nil {
		return 0, nil, q.err
	}
	lb, err := h.cfg.Leaderboards.Leaderboard(r.Context(), id, metric)
	if err != nil {
		return 0, nil, err
	}
	if format == "csv" {
		return csvDownload(fmt.Sprintf("benchmark-%d-leaderboard.csv", id), func(b *bytes.Buffer) error { return leaderboard.WriteCSV(b, lb) })
	}
	return http.StatusOK, lb, nil
}

// resultsCSV answers a results list asked for with format=csv: every
// matching result, not one page.
func (h *Handler) resultsCSV(r *http.Request, f medperf.ResultFilter) (int, any, error) {
	results, err := h.cfg.Leaderboards.Results(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	name := "results.csv"
	if f.BenchmarkID != 0 {
		name = fmt.Sprintf("benchmark-%d-results.csv", f.BenchmarkID)
	}
	return csvDownload(name, func(b *bytes.Buffer) error { return leaderboard.WriteResultsCSV(b, results) })
}
