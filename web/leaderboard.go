package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/leaderboard/chart"
)

type leaderboardData struct {
	B         medperf.Benchmark
	LB        *leaderboard.Leaderboard
	Metrics   []string
	Metric    string
	Board     *leaderboard.Board
	Rows      []leaderboardRow
	Datasets  []leaderboard.Entity
	Heatmap   template.HTML
	Spread    template.HTML
	Published bool
	CanManage bool
}

// leaderboardRow is one model's summary with its per-site values and how
// many of them are signed by their site, as the CLI's SIGNED column and
// the CSV's signed_sites say it.
type leaderboardRow struct {
	leaderboard.Summary
	Cells []leaderboard.Cell
	// Signed is "N of M signed", or "" when the values are not shown (a
	// published leaderboard keeps aggregates only).
	Signed string
}

func boardRows(b *leaderboard.Board) []leaderboardRow {
	out := make([]leaderboardRow, len(b.Rows))
	for i, s := range b.Rows {
		out[i].Summary = s
		if i >= len(b.Cells) || len(b.Cells[i]) == 0 {
			continue
		}
		out[i].Cells = b.Cells[i]
		n := 0
		for _, c := range b.Cells[i] {
			if c.Value != nil && c.Signed {
				n++
			}
		}
		out[i].Signed = fmt.Sprintf("%d of %d signed", n, s.Sites)
	}
	return out
}

func (h *Handler) leaderboard(r *http.Request, s *medperf.Session) (*result, error) {
	b, err := h.loadBenchmark(r)
	if err != nil {
		return nil, err
	}
	if err := onlyQuery(r, "metric", "notice"); err != nil {
		return nil, err
	}
	lb, err := h.cfg.Leaderboards.Leaderboard(r.Context(), b.ID, "")
	if err != nil {
		return nil, err
	}
	d := leaderboardData{B: *b, LB: lb, Published: lb.Scope == medperf.ScopePublished, CanManage: medperf.CanEdit(&s.User, b.Owner)}
	for _, board := range lb.Boards {
		d.Metrics = append(d.Metrics, board.Metric)
	}
	d.Metric = r.URL.Query().Get("metric")
	if d.Metric == "" && len(d.Metrics) > 0 {
		d.Metric = d.Metrics[0]
	}
	if d.Metric == "" {
		return &result{template: "leaderboard", title: b.Name + ": leaderboard", data: d}, nil
	}
	// Keep the chosen metric's board, rows sorted by it, as the API does
	// for ?metric=: re-sorted in memory, never read or built again.
	if d.LB, err = lb.ByMetric(d.Metric); err != nil {
		return nil, err
	}
	d.Board = &d.LB.Boards[0]
	d.Rows = boardRows(d.Board)
	d.Datasets = d.LB.Datasets
	if !d.Published && len(d.LB.Models) > 0 && len(d.LB.Datasets) > 0 {
		if d.Heatmap, d.Spread, err = charts(d.LB, d.Metric); err != nil {
			return nil, err
		}
	}
	return &result{template: "leaderboard", title: b.Name + ": leaderboard", data: d}, nil
}

// charts draws the heatmap and the spread plot of metric. The chart
// package escapes every name, so its markup is inlined as is.
func charts(lb *leaderboard.Leaderboard, metric string) (template.HTML, template.HTML, error) {
	heat, err := chart.Heatmap(lb, metric)
	if err != nil {
		return "", "", err
	}
	spread, err := chart.Spread(lb, metric)
	if err != nil {
		return "", "", err
	}
	return template.HTML(heat), template.HTML(spread), nil
}

// onlyQuery refuses query parameters other than allowed, so a mistyped
// link gives a clear page instead of being ignored.
func onlyQuery(r *http.Request, allowed ...string) error {
	for name := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			return medperf.FieldError(name, "is not a parameter of this page")
		}
	}
	return nil
}

func (h *Handler) leaderboardCSV(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	lb, err := h.cfg.Leaderboards.Leaderboard(r.Context(), id, r.URL.Query().Get("metric"))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := leaderboard.WriteCSV(&buf, lb); err != nil {
		return nil, medperf.Errorf(medperf.CodeInternal, "cannot write the CSV: %v", err)
	}
	return &result{download: &download{contentType: "text/csv; charset=utf-8",
		filename: fmt.Sprintf("benchmark-%d-leaderboard.csv", id), body: buf.Bytes()}}, nil
}
