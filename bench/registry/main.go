// Command registry is the load harness of the registry (issue 11): it
// starts a `medperf server` on 127.0.0.1 with a fresh database, seeds it
// through the API (with -seed-results bulk, all but the leaderboard
// benchmark's results, which the registry's store code loads in bulk from
// this process: see bulk.go), measures each row of the scale table with keep-alive
// clients side by side with a ceiling (a bare net/http server in this
// process serving the same bytes), and prints the table as markdown.
//
// It is a benchmark, not a timed test: with -small it is a smoke test
// whose only verdict is correctness (0 errors, 0 duplicates; non-zero exit
// otherwise). bench/registry.sh builds medperf and runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// options are the harness's flags.
type options struct {
	bin        string
	db         string // "sqlite" or a postgres:// DSN of a server on which to create a fresh database
	small      bool
	clients    int
	duration   time.Duration
	lbModels   int
	lbDatasets int
	sites      int
	models     int
	rows       string
	// seedResults is how the leaderboard's results are seeded: "api"
	// (the default) or "bulk" (bulk.go).
	seedResults string
	// profile is a directory for the server's CPU profiles of every row,
	// heap profiles of the cold rows and memory snapshots of the write
	// rows (snapshot.go) ("": none).
	profile string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "medperf", "the medperf binary to start")
	flag.StringVar(&o.db, "db", "sqlite", `"sqlite", or the postgres:// DSN of a server where a fresh database is created and dropped`)
	flag.BoolVar(&o.small, "small", false, "smoke-test size (CI): checks correctness only")
	flag.IntVar(&o.clients, "clients", 64, "concurrent keep-alive clients of the read rows")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "duration of each read row (and of its ceiling)")
	flag.IntVar(&o.lbModels, "lb-models", 10, "models of the leaderboard benchmark")
	flag.IntVar(&o.lbDatasets, "lb-datasets", 2000, "datasets of the leaderboard benchmark (results = models × datasets)")
	flag.IntVar(&o.sites, "sites", 50, "sites (data owners, one dataset each) of the storm rows")
	flag.IntVar(&o.models, "models", 100, "models of the storm rows")
	flag.IntVar(&seedWorkers, "seed-workers", seedWorkers, "concurrent clients that seed")
	flag.StringVar(&o.seedResults, "seed-results", "api", `how the leaderboard benchmark's results are seeded: "api" (submitted through the API like everything else) or "bulk" (loaded by the registry's store code in this process, in multi-row INSERTs, without audit events or log leaves: for the million-result rows; everything else still goes through the API)`)
	flag.StringVar(&o.profile, "profile", "", "directory where every row saves the server's CPU profile of its load (ROW-N.cpu.pprof) and the rebuild and offset-cold rows also their heap profiles (rebuild, offset-cold and cursor-cold .cpu.pprof and .heap.pprof), and the write rows (storm, paced, submit) a snapshot every 0.5 s of the load: heap profile ROW-sN.heap.pprof, goroutines ROW-sN.goroutine.txt, and a line on stderr with RSS, goroutines and MemStats; taken through the server's --pprof-addr")
	flag.StringVar(&o.rows, "rows", "all", "comma-separated rows to run: list,cursor,me,leaderboard,rebuild,offset,offset-cold,storm,paced,submit (all: every row)")
	flag.Parse()
	if o.seedResults != "api" && o.seedResults != "bulk" {
		fmt.Fprintf(os.Stderr, "registry bench: -seed-results is %q; give api or bulk\n", o.seedResults)
		os.Exit(2)
	}
	for _, r := range rowsOf(o.rows) {
		if !slices.Contains(allRows, r) {
			fmt.Fprintf(os.Stderr, "registry bench: -rows names %q, which is not a row; the rows are %s\n", r, strings.Join(allRows, ","))
			os.Exit(2)
		}
	}
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "registry bench: -profile: %v; give a directory the harness can create or write to\n", err)
			os.Exit(2)
		}
	}
	if o.small {
		o.duration, o.lbModels, o.lbDatasets, o.sites, o.models = time.Second, 3, 40, 5, 10
	}
	ctx := context.Background()
	ok, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "registry bench:", err)
		os.Exit(2)
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "registry bench: errors or duplicates (see the table)")
		os.Exit(1)
	}
}

// run starts the server, seeds it, runs the rows and prints the table. It
// reports false when a row saw errors or duplicates.
func run(ctx context.Context, o options) (bool, error) {
	srv, err := startServer(ctx, o.bin, o.db, o.profile != "")
	if err != nil {
		return false, err
	}
	defer srv.stop()
	srv.profileDir = o.profile
	start := time.Now()
	w, err := seed(ctx, srv, o)
	if err != nil {
		return false, fmt.Errorf("seeding: %w", err)
	}
	fmt.Fprintf(os.Stderr, "seeded in %s: %d results on the leaderboard benchmark\n", time.Since(start).Round(time.Millisecond), o.lbModels*o.lbDatasets)
	t := &table{dialect: srv.dialect, o: o}
	for _, r := range rowsOf(o.rows) {
		fmt.Fprintf(os.Stderr, "row %s...\n", r)
		srv.row, srv.part = r, 0
		t.start(r)
		if err := runRow(ctx, r, srv, w, o, t); err != nil {
			return false, fmt.Errorf("row %s: %w", r, err)
		}
	}
	t.print(os.Stdout)
	return t.ok(), nil
}
