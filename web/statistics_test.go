package web

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestStatisticsTablesAndCharts(t *testing.T) {
	secs := statistics(json.RawMessage(`{"n_cases": 40, "shape": [64, 64, 32],
		"volume": {"mean": 1.9, "bin_edges": [0, 1, 2], "bin_counts": [3, 5, 1]},
		"labels": {"0": 40, "1": 12},
		"intensity": {"mean": 0.41, "sd": 0.12}}`))
	byName := map[string]statSection{}
	for _, s := range secs {
		byName[s.Name] = s
	}
	if secs[0].Name != "Summary" || len(secs[0].Rows) != 2 {
		t.Fatalf("first section %+v, want the summary of the two top-level values", secs[0])
	}
	tests := []struct {
		section string
		bars    []string // data-label=value pairs the chart must hold; nil: no chart
	}{
		{"volume", []string{`data-label="[0, 1)" data-value="3"`, `data-label="[1, 2)" data-value="5"`, `data-label="≥ 2" data-value="1"`}},
		{"labels", []string{`data-label="0" data-value="40"`, `data-label="1" data-value="12"`}},
		{"intensity", nil},
	}
	for _, tt := range tests {
		chart := string(byName[tt.section].Chart)
		if tt.bars == nil && chart != "" {
			t.Errorf("%s: a chart of a mean and sd", tt.section)
		}
		for _, b := range tt.bars {
			if !strings.Contains(chart, b) {
				t.Errorf("%s: no bar %s in\n%s", tt.section, b, chart)
			}
		}
	}
	t.Run("not an object, or too deep, is no table", func(t *testing.T) {
		for _, raw := range []string{`[1,2]`, `"x"`, `not json`, strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)} {
			if s := statistics(json.RawMessage(raw)); s != nil {
				t.Errorf("%.40s: %d sections", raw, len(s))
			}
		}
	})
	t.Run("bars of any finite range draw", func(t *testing.T) {
		svg := string(barChart("x", "t", []bar{{"a", -math.MaxFloat64}, {"b", math.MaxFloat64}}))
		if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("bad geometry:\n%s", svg)
		}
	})
}

func TestPreviewJSONIsBounded(t *testing.T) {
	tests := []struct {
		name, raw string
		cut       bool
		contains  string
	}{
		{"small values are indented whole", `{"a":[1,2],"b":{"c":"d"}}`, false, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  }\n}"},
		{"deep values are cut at the depth limit", strings.Repeat("[", 20) + strings.Repeat("]", 20), true, "[…]"},
		{"long strings are cut at the size limit", `{"k":"` + strings.Repeat("é", previewBytes) + `"}`, true, "…"},
		{"text that is not JSON is shown cut", strings.Repeat("x", 2*previewBytes), true, "xxx"},
		{"empty containers stay compact", `{"a":{},"b":[]}`, false, "\"a\": {},\n  \"b\": []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := previewJSON(json.RawMessage(tt.raw))
			if cut != tt.cut || !strings.Contains(got, tt.contains) || len(got) > previewBytes+previewBytes/8 {
				t.Errorf("cut %v (want %v), %d bytes:\n%.300s", cut, tt.cut, len(got), got)
			}
		})
	}
}
