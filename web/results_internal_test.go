package web

import (
	"testing"

	"github.com/medperf/medperf"
)

func TestSortRowsPutsMissingMetricsLast(t *testing.T) {
	v := func(f float64) map[string]metricValue { return map[string]metricValue{"dice": {Num: &f}} }
	rows := func() []resultRow {
		return []resultRow{
			{Result: medperf.Result{Common: medperf.Common{ID: 1}}, Model: "b", Values: v(0.5)},
			{Result: medperf.Result{Common: medperf.Common{ID: 2}}, Model: "a", Values: map[string]metricValue{}},
			{Result: medperf.Result{Common: medperf.Common{ID: 3}}, Model: "c", Values: v(0.9)},
			{Result: medperf.Result{Common: medperf.Common{ID: 4}}, Model: "a", Values: v(0.5)},
		}
	}
	tests := []struct {
		key  string
		desc bool
		want []int64
	}{
		{"metric:dice", false, []int64{1, 4, 3, 2}},
		{"metric:dice", true, []int64{3, 1, 4, 2}},
		{"model", false, []int64{2, 4, 1, 3}},
		{"model", true, []int64{3, 1, 2, 4}},
		{"id", true, []int64{4, 3, 2, 1}},
	}
	for _, tt := range tests {
		rs := rows()
		sortRows(rs, tt.key, tt.desc)
		for i, id := range tt.want {
			if rs[i].ID != id {
				t.Errorf("%s desc=%v: row %d is %d, want %d", tt.key, tt.desc, i, rs[i].ID, id)
			}
		}
	}
}
