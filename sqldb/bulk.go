package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/medperf/medperf"
)

// BulkResult is one finalized result for BulkLoadResults, submitted by
// Owner (the dataset's owner, as a site submits it).
type BulkResult struct {
	Owner int64
	Input medperf.ResultInput
}

// bulkRows is how many results one INSERT statement carries (17 parameters
// each: far below SQLite's and PostgreSQL's limits), and bulkStatements how
// many statements one transaction commits.
const (
	bulkRows       = 500
	bulkStatements = 20
)

// BulkLoadResults stores finalized results of one benchmark in multi-row
// INSERTs, thousands per transaction, for load harnesses that need a
// million results (bench/registry: through the API they arrive at ~200/s).
// Only an admin may call it (CodeForbidden otherwise). Each input is
// validated as SubmitResult validates it (ResultInput.Validate, the
// benchmark's declared metrics: CodeInvalid naming the input) and is
// inserted with the columns SubmitResult writes (its request hash
// included, so that a retry of the same submission through the API answers
// with the stored result); like SubmitResult, an input whose (benchmark,
// model, dataset) or idempotency key is taken is skipped. Unlike
// SubmitResult it does not check who may submit (the association, the
// dataset's owner), takes no signed envelopes, and writes no audit events
// and no transparency-log leaves: the results are load, not history. The
// benchmark's leaderboard version is raised in each transaction, so that
// every replica's caches see the new results. It returns how many results
// were inserted.
func (d *DB) BulkLoadResults(ctx context.Context, benchmarkID int64, results []BulkResult) (int, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return 0, err
	}
	if !caller.IsAdmin {
		return 0, medperf.Errorf(medperf.CodeForbidden, "only an admin may bulk-load results")
	}
	b, err := getBenchmark(ctx, d.read(), benchmarkID)
	if err != nil {
		return 0, internal(err)
	}
	for i, r := range results {
		if err := checkBulk(b, r.Input, i); err != nil {
			return 0, err
		}
	}
	inserted := 0
	per := bulkRows * bulkStatements
	for start := 0; start < len(results); start += per {
		chunk := results[start:min(start+per, len(results))]
		err := d.writeAt(ctx, sql.LevelReadCommitted, func(c conn) error {
			n, err := d.insertBulk(ctx, c, chunk)
			if err != nil {
				return err
			}
			inserted += n
			return bumpBoards(ctx, c, "benchmark", benchmarkID)
		})
		if err != nil {
			return inserted, err
		}
	}
	return inserted, nil
}

// checkBulk validates input i as SubmitResult would.
func checkBulk(b *medperf.Benchmark, in medperf.ResultInput, i int) error {
	if in.BenchmarkID != b.ID || !in.IsFinal() || len(in.Envelope) > 0 {
		return medperf.FieldError("results", "input %d: bulk results are finalized, unsigned and of benchmark %d", i, b.ID)
	}
	if err := in.Validate(); err != nil {
		return medperf.FieldError("results", "input %d: %v", i, err)
	}
	if err := medperf.CheckResultMetrics(b.Metrics, in.Metrics); err != nil {
		return medperf.FieldError("results", "input %d: %v", i, err)
	}
	return nil
}

// insertBulk inserts results in statements of bulkRows rows and returns
// how many rows were inserted.
func (d *DB) insertBulk(ctx context.Context, c conn, results []BulkResult) (int, error) {
	const cols = 17
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	inserted := 0
	for start := 0; start < len(results); start += bulkRows {
		batch := results[start:min(start+bulkRows, len(results))]
		values := make([]string, len(batch))
		args := make([]any, 0, len(batch)*cols)
		now := d.now()
		for i, r := range batch {
			in := r.Input
			values[i] = row
			args = append(args, r.Owner, in.Name, in.BenchmarkID, in.ModelID, in.DatasetID, string(compact(in.Metrics)), true,
				now, in.IdempotencyKey, true, jsonText(in.Metadata), jsonText(in.UserMetadata), now, now, submissionDigest(in), nil, nil)
		}
		res, err := c.q.ExecContext(ctx, d.rebind(`INSERT INTO results (owner, name, benchmark_id, model_id, dataset_id, metrics,
			finalized, finalized_at, idempotency_key, is_valid, metadata, user_metadata, created_at, modified_at, request_hash, envelope, key_id)
			VALUES `+strings.Join(values, ", ")+` ON CONFLICT DO NOTHING`), args...)
		if err != nil {
			return inserted, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return inserted, err
		}
		inserted += int(n)
	}
	return inserted, nil
}
