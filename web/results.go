package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/medperf/medperf"
)

// Limits of the results page: it reads at most maxResultsSorted results
// to sort them (the CSV has them all) and shows at most maxMetricColumns
// metric columns (the result's own page has every metric).
const (
	resultsPageSize  = 100
	maxResultsSorted = 5000
	maxMetricColumns = 24
)

// sortColumn is one header of the results table.
type sortColumn struct {
	Key, Label string
	Numeric    bool
	// Href sorts by this column; Sort is "ascending", "descending" or ""
	// (the aria-sort value when this column orders the table).
	Href, Sort string
}

type resultsData struct {
	Benchmark        int64
	BenchmarkName    string
	Columns, Metrics []sortColumn
	Items            []resultRow
	Pager            pager
	Capped           bool
	MoreMetrics      int
}

// resultsQuery is what the results page was asked for.
type resultsQuery struct {
	benchmark int64
	page      medperf.Page
	key       string
	desc      bool
}

func readResultsQuery(r *http.Request) (resultsQuery, error) {
	var q resultsQuery
	if err := onlyQuery(r, "benchmark", "sort", "order", "offset"); err != nil {
		return q, err
	}
	var err error
	if q.benchmark, err = queryID(r, "benchmark"); err != nil {
		return q, err
	}
	if q.page, err = pageOf(r); err != nil {
		return q, err
	}
	q.page.Limit = resultsPageSize
	q.key, q.desc, err = sortOf(r)
	return q, err
}

// link returns the page's URL sorted by key (desc: descending).
func (q resultsQuery) link(key string, desc bool) string {
	v := url.Values{"sort": {key}}
	if desc {
		v.Set("order", "desc")
	}
	if q.benchmark != 0 {
		v.Set("benchmark", fmt.Sprint(q.benchmark))
	}
	return "/results?" + v.Encode()
}

// column is the heading of the column key: a link that sorts by it,
// ascending first and reversed when it already orders the table.
func (q resultsQuery) column(key, label string, numeric bool) sortColumn {
	c := sortColumn{Key: key, Label: label, Numeric: numeric, Href: q.link(key, false)}
	if key == q.key {
		c.Sort = map[bool]string{false: "ascending", true: "descending"}[q.desc]
		c.Href = q.link(key, !q.desc)
	}
	return c
}

// results lists the results the caller may see, one column per metric,
// sorted on the server by ?sort= (id, benchmark, model, dataset or
// metric:NAME) and ?order= (asc or desc), so that the page needs no script.
func (h *Handler) results(r *http.Request, _ *medperf.Session) (*result, error) {
	q, err := readResultsQuery(r)
	if err != nil {
		return nil, err
	}
	all, capped, err := h.allResults(r, q.benchmark)
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	rows := make([]resultRow, len(all))
	for i, x := range all {
		rows[i] = h.resultRow(n, x)
	}
	d := resultsData{Benchmark: q.benchmark, Capped: capped}
	metrics := metricNames(rows)
	if len(metrics) > maxMetricColumns {
		d.MoreMetrics = len(metrics) - maxMetricColumns
		metrics = metrics[:maxMetricColumns]
	}
	if q.key != "id" && !knownColumn(q.key, metrics) {
		return nil, medperf.FieldError("sort", "is not a column of this table: %q", q.key)
	}
	sortRows(rows, q.key, q.desc)
	d.Columns = []sortColumn{q.column("id", "ID", true), q.column("benchmark", "Benchmark", false),
		q.column("model", "Model", false), q.column("dataset", "Dataset", false)}
	if q.benchmark != 0 {
		// Filtered to one benchmark, its name is the heading, not a column.
		d.BenchmarkName = n.Benchmark(q.benchmark)
		d.Columns = append(d.Columns[:1], d.Columns[2:]...)
	}
	for _, m := range metrics {
		d.Metrics = append(d.Metrics, q.column("metric:"+m, m, true))
	}
	if q.page.Offset < len(rows) {
		d.Items = rows[q.page.Offset:min(len(rows), q.page.Offset+q.page.Limit)]
	}
	d.Pager = newPager(q.link(q.key, q.desc), len(rows), q.page, len(d.Items))
	return &result{template: "results", title: "Results", data: d}, nil
}

func sortOf(r *http.Request) (string, bool, error) {
	key := r.URL.Query().Get("sort")
	if key == "" {
		key = "id"
	}
	switch r.URL.Query().Get("order") {
	case "", "asc":
		return key, false, nil
	case "desc":
		return key, true, nil
	}
	return "", false, medperf.FieldError("order", "must be asc or desc")
}

func knownColumn(key string, metrics []string) bool {
	switch key {
	case "benchmark", "model", "dataset":
		return true
	}
	m, ok := strings.CutPrefix(key, "metric:")
	for _, x := range metrics {
		if ok && x == m {
			return true
		}
	}
	return false
}

// allResults reads the caller's results of benchmark bid (0: all), at
// most maxResultsSorted of them.
func (h *Handler) allResults(r *http.Request, bid int64) ([]medperf.Result, bool, error) {
	var out []medperf.Result
	for off := 0; ; {
		list, err := h.cfg.Service.ListResults(r.Context(), medperf.ResultFilter{BenchmarkID: bid, Page: medperf.Page{Limit: medperf.MaxPageSize, Offset: off}})
		if err != nil {
			return nil, false, err
		}
		out = append(out, list.Items...)
		off += len(list.Items)
		if len(list.Items) == 0 || off >= list.Total {
			return out, false, nil
		}
		if off >= maxResultsSorted {
			return out, true, nil
		}
	}
}

// metricNames lists the metrics of rows, most common first, then by name.
func metricNames(rows []resultRow) []string {
	count := map[string]int{}
	for _, r := range rows {
		for k := range r.Values {
			count[k]++
		}
	}
	names := sortedKeys(count)
	sort.SliceStable(names, func(i, j int) bool { return count[names[i]] > count[names[j]] })
	return names
}

// sortRows orders rows by key; results without the metric go last in
// either order, and ties keep id order.
func sortRows(rows []resultRow, key string, desc bool) {
	less := func(a, b resultRow) int {
		switch key {
		case "benchmark":
			return strings.Compare(a.Benchmark, b.Benchmark)
		case "model":
			return strings.Compare(a.Model, b.Model)
		case "dataset":
			return strings.Compare(a.Dataset, b.Dataset)
		case "id":
			return cmpInt(a.ID, b.ID)
		}
		return 0
	}
	metric, isMetric := strings.CutPrefix(key, "metric:")
	sort.SliceStable(rows, func(i, j int) bool {
		if isMetric {
			a, b := rows[i].Values[metric].Num, rows[j].Values[metric].Num
			if a == nil || b == nil {
				return a != nil && b == nil
			}
			if *a != *b {
				return (*a < *b) != desc
			}
			return rows[i].ID < rows[j].ID
		}
		c := less(rows[i], rows[j])
		if c == 0 {
			return rows[i].ID < rows[j].ID
		}
		return (c < 0) != desc
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
