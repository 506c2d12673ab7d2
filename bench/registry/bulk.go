package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/sqldb"
)

// bulkChunk is how many results the harness hands the store at a time, so
// that its own memory stays small at a million.
const bulkChunk = 50_000

// bulkResults loads the leaderboard benchmark's results with the registry's
// own store code (sqldb.BulkLoadResults) on the server's database, from
// this process, while the server runs: through the API a million results
// take well over an hour on the 2-core machine (~200/s), which is why the
// million-result rows had never been measured. The results are those the
// API path submits (same metrics, owners and idempotency keys, the same
// columns and request hashes), validated as SubmitResult validates them;
// what the bulk path skips is the per-result transaction with its
// permission reads, audit event and transparency-log leaf. The benchmark's
// leaderboard version is raised with each transaction, so the server's
// caches see the results.
func (w *world) bulkResults(ctx context.Context, s *server, o options, datasets []int64) error {
	db, err := sqldb.Open(ctx, s.db)
	if err != nil {
		return fmt.Errorf("opening the server's database for the bulk load: %w", err)
	}
	defer db.Close()
	admin, err := db.Authenticate(ctx, s.token)
	if err != nil {
		return fmt.Errorf("the admin token: %w", err)
	}
	ctx = medperf.WithCaller(ctx, admin)
	total := o.lbModels * o.lbDatasets
	start := time.Now()
	batch := make([]sqldb.BulkResult, 0, bulkChunk)
	loaded := 0
	for i := range total {
		d := i / o.lbModels
		batch = append(batch, sqldb.BulkResult{Owner: w.sites[d%len(w.sites)].id,
			Input: resultInput(w.lb, w.models[i%o.lbModels], datasets[d], i)})
		if len(batch) < bulkChunk && i < total-1 {
			continue
		}
		n, err := db.BulkLoadResults(ctx, w.lb, batch)
		if err != nil {
			return fmt.Errorf("bulk-loading results %d–%d: %w", i+1-len(batch), i, err)
		}
		loaded += n
		batch = batch[:0]
		fmt.Fprintf(os.Stderr, "\rbulk: %d of %d results (%.0f/s)", loaded, total, float64(loaded)/time.Since(start).Seconds())
	}
	fmt.Fprintln(os.Stderr)
	if loaded != total {
		return fmt.Errorf("bulk load stored %d of %d results", loaded, total)
	}
	return nil
}
