package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/medperf/medperf/medperftest"
)

func TestResultsPageColumnsAndSortParameters(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	b, _ := signedIn(t, ts, &w.BenchmarkOwner)
	tests := []struct {
		query  string
		status int
	}{
		{"", http.StatusOK},
		{"&sort=metric:hd95&order=desc", http.StatusOK},
		{"&sort=model", http.StatusOK},
		{"&sort=metric:nope", http.StatusBadRequest},
		{"&sort=id&order=sideways", http.StatusBadRequest},
		{"&colour=red", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := b.get(fmt.Sprintf("/results?benchmark=%d%s", w.Benchmark.ID, tt.query))
			if p.status != tt.status {
				t.Fatalf("status %d, want %d", p.status, tt.status)
			}
			if tt.status != http.StatusOK {
				return
			}
			for _, m := range []string{"dice", "hd95", "n_cases"} {
				if !strings.Contains(p.body, `data-column="metric:`+m+`"`) {
					t.Errorf("no %s column", m)
				}
			}
			if strings.Contains(p.body, `data-column="benchmark"`) {
				t.Error("a benchmark column on one benchmark's results")
			}
		})
	}
	t.Run("the sorted column says so and its link reverses it", func(t *testing.T) {
		p := b.get(fmt.Sprintf("/results?benchmark=%d&sort=metric:dice", w.Benchmark.ID))
		want := fmt.Sprintf(`data-column="metric:dice" aria-sort="ascending" class="num"><a href="/results?benchmark=%d&amp;order=desc&amp;sort=metric%%3Adice">`, w.Benchmark.ID)
		if !strings.Contains(p.body, want) {
			t.Errorf("no %s", want)
		}
	})
}
