package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

// TestTheLeaderboardMarksEveryValueSignedOrNot checks that each site value
// on the dashboard's leaderboard says in words whether its site signed it,
// that each summary row counts its signed values as the CLI does, and that
// the dashboard's CSV carries the same signed_sites as the API's.
func TestTheLeaderboardMarksEveryValueSignedOrNot(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	b, _ := signedIn(t, ts, &w.BenchmarkOwner)
	p := b.get(fmt.Sprintf("/benchmarks/%d/leaderboard?metric=dice", w.Benchmark.ID))
	if p.status != 200 {
		t.Fatalf("status %d: %s", p.status, p.body)
	}
	row := func(table string, model int64) string {
		t.Helper()
		m := regexp.MustCompile(`(?s)<table id="` + table + `">.*?<tr data-model="` + fmt.Sprint(model) + `">(.*?)</tr>`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no row of model %d in #%s", model, table)
		}
		return m[1]
	}
	for _, tt := range []struct {
		name   string
		model  int64
		mark   string
		counts string
	}{
		{"the signed result", w.Model.ID, "✓</span> signed</span>", "1 of 1 signed"},
		{"the unsigned result", w.ReferenceModel.ID, ">unsigned</span>", "0 of 1 signed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := row("values", tt.model); !strings.Contains(got, tt.mark) {
				t.Errorf("its value reads %q, want the mark %q", got, tt.mark)
			}
			if got := row("summary", tt.model); !strings.Contains(got, tt.counts) {
				t.Errorf("its summary reads %q, want %q", got, tt.counts)
			}
		})
	}
	t.Run("the CSV download is the API's, signed_sites included", func(t *testing.T) {
		csv := b.get(fmt.Sprintf("/benchmarks/%d/leaderboard.csv?metric=dice", w.Benchmark.ID))
		api := medperftest.Must[[]byte](t)(w.BenchmarkOwner.Service.(*client.Client).LeaderboardCSV(ctx, w.Benchmark.ID, "dice"))
		if csv.status != 200 || csv.body != string(api) {
			t.Fatalf("status %d; the dashboard's CSV\n%s\ndiffers from the API's\n%s", csv.status, csv.body, api)
		}
		lines := strings.Split(strings.TrimSpace(csv.body), "\n")
		if len(lines) != 3 || !strings.Contains(lines[0], ",signed_sites,") {
			t.Fatalf("CSV %q: want a header with signed_sites and two rows", csv.body)
		}
		col := strings.Count(lines[0][:strings.Index(lines[0], "signed_sites")], ",")
		signed := map[string]string{}
		for _, l := range lines[1:] {
			f := strings.Split(l, ",")
			signed[f[3]] = f[col]
		}
		if signed[fmt.Sprint(w.Model.ID)] != "1" || signed[fmt.Sprint(w.ReferenceModel.ID)] != "0" {
			t.Errorf("signed_sites by model %v; want 1 for the signed result and 0 for the other", signed)
		}
	})
}
