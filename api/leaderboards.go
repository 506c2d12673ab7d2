package api

import (
	"bytes"
	"context"
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

// leaderboardSource returns l, or svc when l is nil and svc computes
// leaderboards (the store does).
func leaderboardSource(svc medperf.Service, l medperf.LeaderboardService) (medperf.LeaderboardService, error) {
	if l != nil {
		return l, nil
	}
	if l, ok := svc.(medperf.LeaderboardService); ok {
		return l, nil
	}
	return nil, medperf.Errorf(medperf.CodeUnavailable, "this server does not compute leaderboards")
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
	lb, err := Leaderboard(r.Context(), h.cfg.Service, h.cfg.Leaderboards, id, metric)
	if err != nil {
		return 0, nil, err
	}
	if format == "csv" {
		return csvDownload(fmt.Sprintf("benchmark-%d-leaderboard.csv", id), func(b *bytes.Buffer) error { return leaderboard.WriteCSV(b, lb) })
	}
	return http.StatusOK, lb, nil
}

// Leaderboard returns the caller's leaderboard of a benchmark (see
// medperf.LeaderboardScope), from l, or from svc when l is nil and svc
// implements medperf.LeaderboardService. The dashboard uses it too.
func Leaderboard(ctx context.Context, svc medperf.Service, l medperf.LeaderboardService, benchmarkID int64, metric string) (*leaderboard.Leaderboard, error) {
	src, err := leaderboardSource(svc, l)
	if err != nil {
		return nil, err
	}
	data, err := src.LeaderboardData(ctx, benchmarkID)
	if err != nil {
		return nil, err
	}
	return leaderboard.FromData(data, metric)
}

// ExportResults returns every result matching f that the caller may see,
// with the names of their models and datasets, for a CSV export.
func ExportResults(ctx context.Context, svc medperf.Service, f medperf.ResultFilter) ([]leaderboard.Result, error) {
	models, datasets := map[int64]leaderboard.Entity{}, map[int64]leaderboard.Entity{}
	var out []leaderboard.Result
	f.Page = medperf.Page{Limit: medperf.MaxPageSize}
	for {
		page, err := svc.ListResults(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			m, err := entityName(models, r.ModelID, func(id int64) (string, error) {
				c, err := svc.GetContainer(ctx, id)
				if err != nil {
					return "", err
				}
				return c.Name, nil
			})
			if err != nil {
				return nil, err
			}
			d, err := entityName(datasets, r.DatasetID, func(id int64) (string, error) {
				ds, err := svc.GetDataset(ctx, id)
				if err != nil {
					return "", err
				}
				return ds.Name, nil
			})
			if err != nil {
				return nil, err
			}
			out = append(out, leaderboard.ResultOf(r, m, d))
		}
		f.Offset += len(page.Items)
		if len(page.Items) == 0 || f.Offset >= page.Total {
			return out, nil
		}
	}
}

func entityName(cache map[int64]leaderboard.Entity, id int64, name func(int64) (string, error)) (leaderboard.Entity, error) {
	if e, ok := cache[id]; ok {
		return e, nil
	}
	n, err := name(id)
	if err != nil {
		return leaderboard.Entity{}, err
	}
	cache[id] = leaderboard.Entity{ID: id, Name: n}
	return cache[id], nil
}

// resultsCSV answers a results list asked for with format=csv: every
// matching result, not one page.
func (h *Handler) resultsCSV(r *http.Request, f medperf.ResultFilter) (int, any, error) {
	results, err := ExportResults(r.Context(), h.cfg.Service, f)
	if err != nil {
		return 0, nil, err
	}
	name := "results.csv"
	if f.BenchmarkID != 0 {
		name = fmt.Sprintf("benchmark-%d-results.csv", f.BenchmarkID)
	}
	return csvDownload(name, func(b *bytes.Buffer) error { return leaderboard.WriteResultsCSV(b, results) })
}
