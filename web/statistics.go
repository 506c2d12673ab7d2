package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
)

// statSection is one table of a dataset's statistics: the top-level
// numbers together ("Summary"), then one per top-level object, with a bar
// chart when its numbers make one (a histogram of bin_edges and
// bin_counts, or an object of counts).
type statSection struct {
	Name  string
	ID    string
	Rows  []stat
	Chart template.HTML
}

// statistics turns stored statistics into tables and charts, or returns
// nil when they are not a JSON object within the preview's bounds (the
// page then shows the bounded preview and a download link instead).
func statistics(raw json.RawMessage) []statSection {
	if _, cut := previewJSON(raw); cut || len(raw) == 0 {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return nil
	}
	summary := statSection{Name: "Summary", ID: "stats-summary"}
	var out []statSection
	for i, k := range sortedKeys(top) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(top[k], &obj) != nil || obj == nil {
			summary.Rows = append(summary.Rows, stat{Key: k, Value: compact(top[k])})
			continue
		}
		s := statSection{Name: k, ID: fmt.Sprintf("stats-%d", i)}
		for _, sub := range sortedKeys(obj) {
			s.Rows = append(s.Rows, stat{Key: sub, Value: compact(obj[sub])})
		}
		if bars := objectBars(obj); len(bars) > 0 {
			s.Chart = barChart(s.ID+"-chart", k, bars)
		}
		out = append(out, s)
	}
	if len(summary.Rows) > 0 {
		out = append([]statSection{summary}, out...)
	}
	return out
}

// objectBars makes bars of a histogram ({"bin_edges": [...], "bin_counts":
// [...]}, bin i is [edge i, edge i+1), the last open) or of an object of
// counts (every value a non-negative integer: {"0": 40, "1": 12}); nil
// otherwise (a mean and a standard deviation are no bar chart).
func objectBars(obj map[string]json.RawMessage) []bar {
	if counts, ok := numbers(obj["bin_counts"]); ok && len(counts) > 0 {
		edges, _ := numbers(obj["bin_edges"])
		bars := make([]bar, len(counts))
		for i, c := range counts {
			bars[i] = bar{Label: binLabel(edges, i), Value: c}
		}
		return bars
	}
	var bars []bar
	for _, k := range sortedKeys(obj) {
		v, ok := number(obj[k])
		if !ok || v < 0 || v != math.Trunc(v) {
			return nil
		}
		bars = append(bars, bar{Label: k, Value: v})
	}
	if len(bars) < 2 {
		return nil
	}
	return bars
}

func binLabel(edges []float64, i int) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	switch {
	case i+1 < len(edges):
		return "[" + f(edges[i]) + ", " + f(edges[i+1]) + ")"
	case i < len(edges):
		return "≥ " + f(edges[i])
	}
	return "bin " + strconv.Itoa(i+1)
}

// number reads one finite JSON number.
func number(raw json.RawMessage) (float64, bool) {
	var v float64
	if json.Unmarshal(raw, &v) != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// numbers reads a JSON array of finite numbers.
func numbers(raw json.RawMessage) ([]float64, bool) {
	var vs []float64
	if len(raw) == 0 || json.Unmarshal(raw, &vs) != nil || vs == nil {
		return nil, false
	}
	return vs, true
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	s, _ := cutText(b.String(), 512)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
