package sqldb

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// PostgreSQL's submissions. A checked, finalized submission is written by
// one statement (submitStatementPG) instead of a transaction: the result,
// the raise of its benchmark's leaderboard version, its audit event, the
// event's viewers and the pending log leaves, in one round trip where the
// transaction took eight (begin, six statements, commit). A single
// statement is atomic on its own.
//
// The statement takes its rows as arrays, so the submissions that wait at
// the same time share one (statement group commit): there is no savepoint
// per submission (group commit by savepoints, groupcommit.go, cost
// PostgreSQL more round trips than it saved). A submission queues its row,
// then either its answer arrives or it takes a leader place and writes what
// is queued then; a full queue writes its row alone. Each row that a unique
// constraint refuses (the idempotency key, one finalized result per triple)
// writes nothing: the statement returns the ids it inserted, and a
// submission whose id is missing answers with lostSubmission, as in the
// transaction. A batch that fails as a whole is written again row by row,
// so that each submission gets its own answer.

// submissionIDs are the ids under which a PostgreSQL submission writes its
// result and its audit event, taken from the tables' sequences by the read
// that checks it (submissionFactsQueryPG), so that its statement can carry
// the event's log leaf, whose hash covers both ids. Ids taken for a
// submission that is refused or answered otherwise are never used (a gap,
// as a rolled-back insert leaves).
type submissionIDs struct{ result, audit int64 }

// submitStatementPG writes checked, finalized submissions: their results
// (in the order of their triples, so that two batches with the same
// triples wait for each other in one order, never in a cycle), unless a
// unique constraint holds a row already, and for each result inserted,
// its benchmark's leaderboard raise, its audit event, the event's viewers
// and its pending log leaves (appendLeaf). It returns the ids of the
// results inserted.
//
// Parameters, one array element per submission: $1 result id, $2 owner,
// $3 name, $4 benchmark, $5 model, $6 dataset, $7 metrics, $8 time,
// $9 idempotency key, $10 metadata, $11 user metadata, $12 request hash,
// $13 envelope, $14 key id, $15 audit id, $16 changes. Then $17 the board
// shard, $18 the action; the viewers, one element per (event, viewer):
// $19 event, $20 user; the leaves, one element per leaf: $21 index,
// $22 hash, $23 kind, $24 the result it comes with, $25 the row it refers
// to.
const submitStatementPG = `WITH i AS (
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::text[])
	AS i(id, owner, name, benchmark, model, dataset, metrics, at, key, meta, umeta, hash, envelope, key_id, event, changes)
), r AS (
	INSERT INTO results (id, owner, name, benchmark_id, model_id, dataset_id, metrics, finalized, finalized_at,
		idempotency_key, is_valid, metadata, user_metadata, created_at, modified_at, request_hash, envelope, key_id)
	SELECT id, owner, name, benchmark, model, dataset, metrics, TRUE, at, key, TRUE, meta, umeta, at, at, hash, envelope, key_id
	FROM i ORDER BY benchmark, model, dataset
	ON CONFLICT DO NOTHING RETURNING id, benchmark_id
), board AS (
	INSERT INTO board_versions (benchmark_id, shard, version)
	SELECT benchmark_id, $17::integer, count(*) FROM r GROUP BY benchmark_id ORDER BY benchmark_id
	ON CONFLICT (benchmark_id, shard) DO UPDATE SET version = board_versions.version + excluded.version
), event AS (
	INSERT INTO audit (id, actor, action, entity_type, entity_id, changes, created_at)
	SELECT i.event, i.owner, $18::text, 'result', i.id, i.changes, i.at FROM i JOIN r ON r.id = i.id
), viewers AS (
	INSERT INTO audit_viewers (event_id, user_id)
	SELECT v.event, v.viewer FROM unnest($19::bigint[], $20::bigint[]) v(event, viewer)
	JOIN i ON i.event = v.event JOIN r ON r.id = i.id
), hashes AS (
	INSERT INTO log_hashes (idx, hash)
	SELECT l.idx, l.hash FROM unnest($21::bigint[], $22::bytea[], $24::bigint[]) l(idx, hash, result) JOIN r ON r.id = l.result
), leaves AS (
	INSERT INTO log_leaves (idx, kind, ref_id, created_at)
	SELECT l.idx, l.kind, l.ref, i.at FROM unnest($21::bigint[], $23::text[], $24::bigint[], $25::bigint[]) l(idx, kind, result, ref)
	JOIN r ON r.id = l.result JOIN i ON i.id = l.result
)
SELECT id FROM r`

// maxStatementBatch bounds the submissions of one statement.
const maxStatementBatch = 64

// statementLeaders is how many batches of a process are written at once:
// one, as on SQLite. Against four (a quarter of the pool, as the batches
// first had) it gave larger batches, fewer busy backends and a shorter
// tail: three alternated pairs of the harness's paced and 64-client rows,
// p99 47–61 ms against 65–83 ms, throughput 1,727–2,485/s against
// 1,615–1,911/s (docs/performance.md, session 6). Replicas each have
// theirs.
const statementLeaders = 1

// statementSubmit is a submission queued for submitStatementPG: its row,
// built by its caller, and where its answer goes.
type statementSubmit struct {
	ctx    context.Context
	result *medperf.Result
	row    resultRow
	in     medperf.ResultInput
	digest string
	caller int64
	// ids, changes, viewers and leaves are the rest of its row.
	ids     submissionIDs
	changes string
	viewers []int64
	leaves  leafColumns
	done    chan submitAnswer
}

// submitAnswer is whether a queued submission's result was inserted, or
// why its statement failed.
type submitAnswer struct {
	inserted bool
	err      error
}

// statementBatches holds the submissions waiting for submitStatementPG.
type statementBatches struct {
	queue chan *statementSubmit
	// leaders holds the free leader place (statementLeaders of them).
	leaders chan int
	// batches and rows count the statements written and the
	// submissions they carried (SubmissionWrites).
	batches, rows atomic.Int64
	// readTurns admits the submissions' checks to the reader
	// connections in arrival order (checkSubmissionInTurn): as many as
	// the pool holds beside the leaders and the sequencer.
	readTurns chan struct{}
	// beforeStatement, when set (tests only, before any write), is
	// called with the size of each statement before it runs; an error it
	// returns fails the statement as the database would.
	beforeStatement func(n int) error
}

// newStatementBatches returns the batches of a PostgreSQL store with the
// pool and submission slots; nil on SQLite.
func newStatementBatches(dl dialect, p Pool, slots int) *statementBatches {
	if dl != dialectPostgres {
		return nil
	}
	b := &statementBatches{queue: make(chan *statementSubmit, max(slots, maxStatementBatch)),
		leaders: make(chan int, statementLeaders)}
	for place := range cap(b.leaders) {
		b.leaders <- place
	}
	b.readTurns = make(chan struct{}, max(1, p.MaxOpen-cap(b.leaders)-1))
	return b
}

// checkSubmissionInTurn runs checkResultInput on a reader connection,
// after the submissions that came before it on PostgreSQL (d.readTurns).
// database/sql hands a freed connection to a waiting caller at random, so
// when the submissions' reads outnumbered the connections left by the
// batches' leaders and the sequencer, some waited round after round: a
// queue in arrival order keeps the wait fair, and the tail short.
func (d *DB) checkSubmissionInTurn(ctx context.Context, caller *medperf.User, in medperf.ResultInput, digest string) (*medperf.Result, checkedSubmission, error) {
	if d.batches != nil {
		select {
		case d.batches.readTurns <- struct{}{}:
			defer func() { <-d.batches.readTurns }()
		case <-ctx.Done():
			return nil, checkedSubmission{}, internal(ctx.Err())
		}
	}
	return d.checkResultInput(ctx, d.read(), caller, in, digest)
}

// submitsInOneStatement reports whether SubmitResult writes in with
// submitInOneStatement: on PostgreSQL without group commit, for a
// finalized result (a draft's write first counts the caller's drafts).
func (d *DB) submitsInOneStatement(in medperf.ResultInput) bool {
	return d.batches != nil && d.group == nil && in.IsFinal()
}

// submitInOneStatement writes a submission that checkResultInput let in
// with submitStatementPG, in a batch with the others waiting then. A race
// is decided as in the transaction: by the unique constraints (the loser's
// row waits for the winner's commit, then writes nothing, and the loser
// answers with lostSubmission).
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
	s := &statementSubmit{ctx: ctx, result: r, row: row, in: in, digest: digest, caller: caller.ID, ids: ok.ids,
		changes: string(changes), viewers: eventViewers(caller.ID, ok.viewers), leaves: leaves, done: make(chan submitAnswer, 1)}
	var a submitAnswer
	select {
	case d.batches.queue <- s:
		a = awaitLeader(s.done, d.batches.leaders, d.writeStatementQueue)
	default:
		a = d.writeStatementAlone(s)
	}
	if a.err != nil {
		return nil, false, a.err
	}
	if !a.inserted {
		prev, err := lostSubmission(ctx, d.read(), caller, in, digest)
		return prev, false, internal(err)
	}
	return r, true, nil
}

// awaitLeader waits for a queued write's answer on done, writing what is
// queued meanwhile whenever a leader place is free (writeQueued returns how
// many writes it took; none means another leader took this one).
func awaitLeader[A any](done <-chan A, leaders chan int, writeQueued func(place int) int) A {
	for {
		select {
		case a := <-done:
			return a
		case place := <-leaders:
			n := writeQueued(place)
			leaders <- place
			if n == 0 {
				return <-done
			}
		}
	}
}

// writeStatementQueue writes the submissions queued now (at most
// maxStatementBatch) in one statement, holding the leader place (its
// number unused: awaitLeader's places are group commit's too), and
// answers each; it returns how many it took.
func (d *DB) writeStatementQueue(int) int {
	batch := make([]*statementSubmit, 0, 8)
take:
	for len(batch) < maxStatementBatch {
		select {
		case s := <-d.batches.queue:
			if err := s.ctx.Err(); err != nil {
				// Its caller gave up: nothing is written for it.
				s.done <- submitAnswer{err: internal(err)}
				continue
			}
			batch = append(batch, s)
		default:
			break take
		}
	}
	if len(batch) == 0 {
		return 0
	}
	inserted, err := d.writeStatement(context.WithoutCancel(batch[0].ctx), true, batch)
	for _, s := range batch {
		switch {
		case err == nil:
			s.done <- submitAnswer{inserted: inserted[s.result.ID]}
		case len(batch) == 1:
			s.done <- submitAnswer{err: err}
		default:
			// The batch failed as a whole: each is written alone, for
			// an answer of its own.
			s.done <- d.writeStatementAlone(s)
		}
	}
	return len(batch)
}

// writeStatementAlone writes one submission in a statement of its own.
func (d *DB) writeStatementAlone(s *statementSubmit) submitAnswer {
	inserted, err := d.writeStatement(s.ctx, false, []*statementSubmit{s})
	return submitAnswer{inserted: inserted[s.result.ID], err: err}
}

// writeStatement runs submitStatementPG for batch, with retries when it
// loses a race, and returns the ids it inserted. A leader's batch runs on a
// context that none of its callers can cancel, bounded here by Pool.Wait;
// a submission written alone, on its own context.
func (d *DB) writeStatement(ctx context.Context, leader bool, batch []*statementSubmit) (map[int64]bool, error) {
	if leader {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.pool.Wait)
		defer cancel()
	}
	// A shard at random: statements of other replicas, or written alone
	// beside the batch, rarely wait for this one's counter rows, and
	// never in a cycle (their rows are raised in benchmark order).
	args := statementArgs(batch, rand.IntN(boardShards))
	inserted := map[int64]bool{}
	err := retryRaces(ctx, func() error {
		clear(inserted)
		if hook := d.batches.beforeStatement; hook != nil {
			if err := hook(len(batch)); err != nil {
				return err
			}
		}
		wc, err := d.writer(ctx)
		if err != nil {
			return err
		}
		defer wc.Close()
		rows, err := wc.QueryContext(ctx, submitStatementPG, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			inserted[id] = true
		}
		err = rows.Err()
		// Cached benchmark views may be older than this write.
		d.views.committed()
		if err == nil {
			d.kickSequencer()
			d.kickPlanStats()
		}
		return err
	})
	d.batches.batches.Add(1)
	d.batches.rows.Add(int64(len(batch)))
	return inserted, err
}

// statementArgs returns submitStatementPG's arguments for batch.
func statementArgs(batch []*statementSubmit, shard int) []any {
	n := len(batch)
	var (
		id, owner, benchmark, model, dataset, event = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		name, metrics, at, key, hash, changes       = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		meta, umeta, envelope                       = make([]*string, n), make([]*string, n), make([]*string, n)
		keyID                                       = make([]*int64, n)
		vEvent, vUser, lIdx, lResult, lRef          []int64
		lHash                                       [][]byte
		lKind                                       []string
	)
	for i, s := range batch {
		id[i], owner[i], benchmark[i], model[i], dataset[i], event[i] = s.result.ID, s.caller, s.in.BenchmarkID, s.in.ModelID, s.in.DatasetID, s.ids.audit
		name[i], metrics[i], at[i], key[i], hash[i], changes[i] = s.in.Name, s.row.metrics, s.row.now, s.in.IdempotencyKey, s.digest, s.changes
		meta[i], umeta[i], envelope[i], keyID[i] = nullable[string](s.row.meta), nullable[string](s.row.umeta), nullable[string](s.row.envelope), nullable[int64](s.row.keyID)
		for _, v := range s.viewers {
			vEvent, vUser = append(vEvent, s.ids.audit), append(vUser, v)
		}
		lIdx, lHash, lKind, lRef = append(lIdx, s.leaves.indexes...), append(lHash, s.leaves.hashes...), append(lKind, s.leaves.kinds...), append(lRef, s.leaves.rows...)
		lResult = append(lResult, slices.Repeat([]int64{s.result.ID}, len(s.leaves.indexes))...)
	}
	return []any{id, owner, name, benchmark, model, dataset, metrics, at, key, meta, umeta, hash, envelope, keyID, event, changes,
		shard, medperf.ActionCreate, vEvent, vUser, lIdx, lHash, lKind, lResult, lRef}
}

// nullable returns v, nil or a T, as a pointer: nil for NULL.
func nullable[T any](v any) *T {
	if t, ok := v.(T); ok {
		return &t
	}
	return nil
}

// leafColumns are the pending log leaves of a submission, as columns.
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
