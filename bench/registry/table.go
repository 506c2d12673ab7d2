package main

import (
	"fmt"
	"io"
	"runtime"
	"time"
)

// row is one line of the table.
type row struct {
	name    string
	st      stats
	ceiling float64 // req/s of the bare server; 0: not applicable
	rss     int64
	body    int
	errors  int // set when the row could not run at all
	dup     int // -1: not applicable
	missing int
	note    string
	goal    goal // issue 11's goal for the row (goals.go)
}

type table struct {
	dialect string
	o       options
	rows    []row
	// current is the row being run, and lines how many lines it added:
	// they pick each line's goal.
	current string
	lines   int
}

// start begins the lines of the named row.
func (t *table) start(name string) { t.current, t.lines = name, 0 }

func (t *table) add(r row) {
	r.errors += r.st.errors
	if g := goals[t.current]; t.lines < len(g) && !t.o.small { // the smoke test's sizes are not the issue's
		r.goal = g[t.lines]
	}
	t.lines++
	t.rows = append(t.rows, r)
}

// ok reports whether every row had no errors, duplicates or missing results.
func (t *table) ok() bool {
	for _, r := range t.rows {
		if r.errors > 0 || r.dup > 0 || r.missing > 0 {
			return false
		}
	}
	return true
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func (t *table) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s, %d CPUs, %d clients, %s per read row, %s\n\n", t.dialect, runtime.NumCPU(), t.o.clients, t.o.duration, time.Now().UTC().Format(time.DateTime))
	fmt.Fprintln(w, "| what | req/s | ceiling req/s | % of ceiling | p50 | p99 | errors | duplicates | server RSS peak | body | notes | issue 11's goal |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	asked, met := 0, 0
	for _, r := range t.rows {
		verdict, ok := r.goal.verdict(r)
		if r.goal.asked() {
			asked++
			if ok {
				met++
			}
		}
		ceil, pct, dup := "—", "—", "—"
		if r.ceiling > 0 {
			ceil, pct = fmt.Sprintf("%.0f", r.ceiling), fmt.Sprintf("%.1f%%", 100*r.st.rps()/r.ceiling)
		}
		if r.dup >= 0 {
			dup = fmt.Sprint(r.dup)
		}
		rps := "—"
		if r.st.n > 0 {
			rps = fmt.Sprintf("%.0f", r.st.rps())
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %d | %s | %.0f MB | %d B | %s | %s |\n", r.name, rps, ceil, pct,
			ms(r.st.pct(50)), ms(r.st.pct(99)), r.errors, dup, float64(r.rss)/1e6, r.body, r.note, verdict)
	}
	if asked > 0 {
		fmt.Fprintf(w, "\n%d of the %d lines with a goal meet it.\n", met, asked)
	}
}
