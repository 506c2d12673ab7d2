package main

import (
	"fmt"
	"strings"
	"time"
)

// goal is what issue 11 asks of a row; zero fields ask nothing. Every goal
// also asks for no errors, duplicates or missing results.
type goal struct {
	minPct  float64       // % of the ceiling
	maxP50  time.Duration // latency
	maxP99  time.Duration
	maxRSS  int64         // server RSS peak, bytes
	maxTime time.Duration // all of a write row acknowledged in
}

const mb = 1 << 20

var (
	readGoal   = goal{minPct: 50, maxP99: 20 * time.Millisecond}
	cursorGoal = goal{maxP99: 20 * time.Millisecond}
	writeGoal  = goal{maxP99: 50 * time.Millisecond}
)

// goals are the goals of each row's lines, in the order the row adds them;
// a line past the list, or a zero goal, has none (the rebuild row, the
// deep page by offset: kept for compatibility, the cursor is the fast way).
var goals = map[string][]goal{
	"list":        {readGoal},
	"cursor":      {readGoal},
	"me":          {readGoal},
	"leaderboard": {{maxP50: 50 * time.Millisecond, maxRSS: 256 * mb}},
	"offset":      {{}, cursorGoal},
	"offset-cold": {{}, cursorGoal},
	"storm":       {{maxTime: 10 * time.Second, maxRSS: 256 * mb}},
	"paced":       {writeGoal},
	"submit":      {writeGoal},
}

// asked reports whether g asks anything.
func (g goal) asked() bool { return g != goal{} }

// describe says what g asks, in the table's words.
func (g goal) describe() string {
	var p []string
	if g.minPct > 0 {
		p = append(p, fmt.Sprintf("≥ %.0f%% of ceiling", g.minPct))
	}
	if g.maxP50 > 0 {
		p = append(p, "p50 < "+g.maxP50.String())
	}
	if g.maxP99 > 0 {
		p = append(p, "p99 < "+g.maxP99.String())
	}
	if g.maxTime > 0 {
		p = append(p, "all in < "+g.maxTime.String())
	}
	if g.maxRSS > 0 {
		p = append(p, fmt.Sprintf("RSS < %d MB", g.maxRSS/mb))
	}
	return strings.Join(p, ", ")
}

// misses returns what r falls short of, or nothing when r meets g.
func (g goal) misses(r row) []string {
	var m []string
	if r.errors > 0 || r.dup > 0 || r.missing > 0 {
		m = append(m, fmt.Sprintf("%d errors, %d duplicates, %d missing", r.errors, max(r.dup, 0), r.missing))
	}
	if g.minPct > 0 && (r.ceiling == 0 || 100*r.st.rps()/r.ceiling < g.minPct) {
		m = append(m, "below the share of the ceiling")
	}
	if g.maxP50 > 0 && r.st.pct(50) >= g.maxP50 {
		m = append(m, "p50 "+ms(r.st.pct(50)))
	}
	if g.maxP99 > 0 && r.st.pct(99) >= g.maxP99 {
		m = append(m, "p99 "+ms(r.st.pct(99)))
	}
	if g.maxTime > 0 && r.st.elapsed >= g.maxTime {
		m = append(m, fmt.Sprintf("%.1f s", r.st.elapsed.Seconds()))
	}
	if g.maxRSS > 0 && r.rss >= g.maxRSS {
		m = append(m, fmt.Sprintf("RSS %.0f MB", float64(r.rss)/mb))
	}
	return m
}

// verdict is the goal column of r: what is asked and whether r meets it.
func (g goal) verdict(r row) (string, bool) {
	if !g.asked() {
		return "—", true
	}
	if m := g.misses(r); len(m) > 0 {
		return fmt.Sprintf("%s: **not met** (%s)", g.describe(), strings.Join(m, "; ")), false
	}
	return g.describe() + ": met", true
}
