package sqldb

import (
	"context"
	"encoding/json"
	"math/rand/v2"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// submissionIDs are the ids under which a PostgreSQL submission writes its
// result and its audit event, taken from the tables' sequences by the read
// that checks it (submissionFactsQueryPG), so that its one statement can
// carry the event's log leaf, whose hash covers both ids. Ids taken for a
// submission that is refused or answered otherwise are never used (a gap,
// as a rolled-back insert leaves).
type submissionIDs struct{ result, audit int64 }

// submitStatementPG writes a checked, finalized submission in one
// statement: the result (unless a unique constraint holds a row already:
// then nothing else is written and no row is returned), a raise of the
// benchmark's leaderboard version (bumpBoards), the audit event, its
// viewers, and the pending log leaves (appendLeaf) of the event and, when
// signed, of the result. It is what SubmitResult's write transaction does
// in eight round trips (begin, six statements, commit), in one: a single
// statement is atomic on its own.
//
// Parameters: $1 result id, $2 owner, $3 name, $4 benchmark, $5 model,
// $6 dataset, $7 metrics, $8 now, $9 idempotency key, $10 metadata,
// $11 user metadata, $12 request hash, $13 envelope, $14 key id, $15 board
// shard, $16 audit id, $17 action, $18 changes, $19 viewers, $20 leaf
// indexes, $21 leaf hashes, $22 leaf kinds, $23 leaf rows.
const submitStatementPG = `WITH r AS (
	INSERT INTO results (id, owner, name, benchmark_id, model_id, dataset_id, metrics, finalized, finalized_at,
		idempotency_key, is_valid, metadata, user_metadata, created_at, modified_at, request_hash, envelope, key_id)
	VALUES ($1::bigint, $2::bigint, $3::text, $4::bigint, $5::bigint, $6::bigint, $7::text, TRUE, $8::text,
		$9::text, TRUE, $10::text, $11::text, $8::text, $8::text, $12::text, $13::text, $14::bigint)
	ON CONFLICT DO NOTHING RETURNING id
), board AS (
	INSERT INTO board_versions (benchmark_id, shard, version) SELECT $4::bigint, $15::integer, 1 FROM r
	ON CONFLICT (benchmark_id, shard) DO UPDATE SET version = board_versions.version + 1
), event AS (
	INSERT INTO audit (id, actor, action, entity_type, entity_id, changes, created_at)
	SELECT $16::bigint, $2::bigint, $17::text, 'result', r.id, $18::text, $8::text FROM r
), viewers AS (
	INSERT INTO audit_viewers (event_id, user_id) SELECT $16::bigint, v.id FROM r, unnest($19::bigint[]) v(id)
), hashes AS (
	INSERT INTO log_hashes (idx, hash) SELECT l.idx, l.hash FROM r, unnest($20::bigint[], $21::bytea[]) l(idx, hash)
), leaves AS (
	INSERT INTO log_leaves (idx, kind, ref_id, created_at)
	SELECT l.idx, l.kind, l.ref, $8::text FROM r, unnest($20::bigint[], $22::text[], $23::bigint[]) l(idx, kind, ref)
)
SELECT id FROM r`

// submitsInOneStatement reports whether SubmitResult writes in with
// submitInOneStatement: on PostgreSQL without group commit, for a
// finalized result (a draft's write first counts the caller's drafts).
func (d *DB) submitsInOneStatement(in medperf.ResultInput) bool {
	return d.dialect == dialectPostgres && d.group == nil && in.IsFinal()
}

// submitInOneStatement writes a submission that checkResultInput let in
// with submitStatementPG: one round trip instead of a transaction's eight,
// which was most of a PostgreSQL submission's time and of the database's
// CPU under load. A race is decided as in the transaction (the unique
// constraints; the loser's statement waits for the winner's commit, then
// writes nothing and the loser answers with lostSubmission).
func (d *DB) submitInOneStatement(ctx context.Context, caller *medperf.User, in medperf.ResultInput, digest string, ok checkedSubmission) (*medperf.Result, bool, error) {
	r, row := newResultRow(caller, in, d.now(), ok.sig)
	r.ID = ok.ids.result
	changes, err := json.Marshal(in)
	if err != nil {
		return nil, false, internal(err)
	}
	leaves, err := submissionLeaves(caller, r, ok, changes, row.now)
	if err != nil {
		return nil, false, internal(err)
	}
	args := []any{r.ID, caller.ID, in.Name, in.BenchmarkID, in.ModelID, in.DatasetID, row.metrics, row.now,
		in.IdempotencyKey, row.meta, row.umeta, digest, row.envelope, row.keyID, rand.IntN(boardShards),
		ok.ids.audit, medperf.ActionCreate, string(changes), eventViewers(caller.ID, ok.viewers),
		leaves.indexes, leaves.hashes, leaves.kinds, leaves.rows}
	inserted := false
	err = retryRaces(ctx, func() error {
		wc, err := d.writer(ctx)
		if err != nil {
			return err
		}
		defer wc.Close()
		var id int64
		err = wc.QueryRowContext(ctx, submitStatementPG, args...).Scan(&id)
		// Cached benchmark views may be older than this write.
		d.views.committed()
		if noRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		inserted = true
		d.kickSequencer()
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if !inserted {
		prev, err := lostSubmission(ctx, d.read(), caller, in, digest)
		return prev, false, internal(err)
	}
	return r, true, nil
}

// leafColumns are the pending log leaves a submission's statement writes, as
// columns (the statement's arrays).
type leafColumns struct {
	indexes, rows []int64
	hashes        [][]byte
	kinds         []string
}

func (p *leafColumns) add(kind string, ref int64, leaf []byte) error {
	idx, err := pendingIndex(kind, ref)
	if err != nil {
		return err
	}
	h := trust.LeafHash(leaf)
	p.indexes, p.rows = append(p.indexes, idx), append(p.rows, ref)
	p.hashes, p.kinds = append(p.hashes, h[:]), append(p.kinds, kind)
	return nil
}

// submissionLeaves returns the leaves the transaction's logResult and audit
// append: the signed result's, then its audit event's.
func submissionLeaves(caller *medperf.User, r *medperf.Result, ok checkedSubmission, changes []byte, now string) (leafColumns, error) {
	var p leafColumns
	if ok.sig != nil {
		leaf, err := ok.sig.leaf()
		if err != nil {
			return p, err
		}
		if err := p.add(trust.LeafKindResult, r.ID, leaf); err != nil {
			return p, err
		}
	}
	leaf, err := auditEventLeaf(ok.ids.audit, caller.ID, medperf.ActionCreate, "result", r.ID, changes, now)
	if err != nil {
		return p, err
	}
	return p, p.add(trust.LeafKindAudit, ok.ids.audit, leaf)
}
