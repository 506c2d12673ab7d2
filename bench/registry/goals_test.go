package main

import (
	"strings"
	"testing"
	"time"
)

// lat returns stats of n requests in elapsed, all taking d.
func lat(n int, d, elapsed time.Duration) stats {
	s := stats{n: n, elapsed: elapsed}
	for range n {
		s.lat = append(s.lat, d)
	}
	return s
}

// TestGoalVerdicts checks the goal column: a row meets its goal only when
// every asked figure is within it and nothing was lost, and says which
// figures fall short.
func TestGoalVerdicts(t *testing.T) {
	fast := lat(1000, 5*time.Millisecond, time.Second) // 1,000 req/s
	for _, c := range []struct {
		name string
		g    goal
		r    row
		ok   bool
		says []string
	}{
		{"read row met", readGoal, row{st: fast, ceiling: 1500, dup: -1}, true, []string{"≥ 50% of ceiling", "p99 < 20ms", "met"}},
		{"below the ceiling's share", readGoal, row{st: fast, ceiling: 2500, dup: -1}, false, []string{"not met", "share of the ceiling"}},
		{"slow p99", readGoal, row{st: lat(10, 25*time.Millisecond, time.Millisecond), ceiling: 1, dup: -1}, false, []string{"p99 25.0 ms"}},
		{"no ceiling measured", readGoal, row{st: fast, dup: -1}, false, []string{"share of the ceiling"}},
		{"storm met", goal{maxTime: 10 * time.Second, maxRSS: 256 * mb}, row{st: lat(5000, time.Second, 4*time.Second), rss: 200 * mb}, true, []string{"all in < 10s", "RSS < 256 MB", "met"}},
		{"storm too slow and big", goal{maxTime: 10 * time.Second, maxRSS: 256 * mb}, row{st: lat(5000, time.Second, 12*time.Second), rss: 300 * mb}, false, []string{"12.0 s", "RSS 300 MB"}},
		{"duplicates fail any goal", writeGoal, row{st: fast, dup: 2}, false, []string{"2 duplicates"}},
		{"missing results fail any goal", writeGoal, row{st: fast, missing: 1}, false, []string{"1 missing"}},
		{"errors fail any goal", writeGoal, row{st: fast, errors: 3}, false, []string{"3 errors"}},
		{"no goal", goal{}, row{st: fast, errors: 3}, true, []string{"—"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := c.g.verdict(c.r)
			if ok != c.ok {
				t.Errorf("verdict %q: met = %v, want %v", got, ok, c.ok)
			}
			for _, s := range c.says {
				if !strings.Contains(got, s) {
					t.Errorf("verdict %q does not say %q", got, s)
				}
			}
		})
	}
}

// TestTableGivesEachLineItsRowsGoal checks that a row's lines get the
// goals listed for them in order, and the smoke test none.
func TestTableGivesEachLineItsRowsGoal(t *testing.T) {
	tb := &table{}
	tb.start("offset")
	tb.add(row{})
	tb.add(row{})
	tb.start("rebuild")
	tb.add(row{})
	if tb.rows[0].goal.asked() || tb.rows[1].goal != cursorGoal || tb.rows[2].goal.asked() {
		t.Errorf("goals %+v, want none, the cursor's, none", []goal{tb.rows[0].goal, tb.rows[1].goal, tb.rows[2].goal})
	}
	small := &table{o: options{small: true}}
	small.start("list")
	small.add(row{})
	if small.rows[0].goal.asked() {
		t.Error("the smoke test's line got a goal")
	}
	var out strings.Builder
	tb.print(&out)
	if !strings.Contains(out.String(), "1 of the 1 lines with a goal meet it") {
		t.Errorf("no summary line in\n%s", out.String())
	}
}
