package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
)

// Group commit. Result submissions that wait for the writer at the same time
// are written in ONE transaction, each inside its own savepoint: one BEGIN
// and one COMMIT (on SQLite one write lock and one WAL append of the pages
// they share; on PostgreSQL one commit record) per batch instead of per
// submission. A submission that fails rolls back to its savepoint and gets
// its own answer; the others commit.
//
// Group commit runs on SQLite only (newGroupCommit). On PostgreSQL, with
// its pool of writers, it did not pay: a savepoint and its release are two
// more round trips per submission, where BEGIN and COMMIT were two per
// submission, and the batches' lower parallelism (a batch's submissions
// run one after the other on one connection) cost more than the commits it
// saved (the harness's 64-client row: 613/s, p99 255 ms, against 717/s, p99
// 218 ms without it, at load 4–12). Tests turn it on there too
// (useGroupCommit), so that the path stays correct on both.
//
// There is no batching goroutine and no timer: a submission queues its
// write, then either its answer arrives or it takes a leader place and
// writes what is queued then (its own write, if no other leader took it,
// and the others'), never waiting for a batch to fill. SQLite has one
// leader place (it has one writer connection); PostgreSQL has several, so
// that batches of different submissions still run in parallel on its
// pool. Each leader place raises its own board_versions shard (conn.shard):
// with a shard at random per submission, concurrent batches, each holding
// several counter rows of one benchmark until it commits, took them in
// different orders and deadlocked (PostgreSQL finds a deadlock only after
// deadlock_timeout, a second by default, and the harness's submissions
// crawled).
//
// A batch whose transaction fails as a whole (its BEGIN, a savepoint, its
// COMMIT, a connection lost) commits nothing: each of its submissions is
// then written alone through writeAt, with writeAt's retries, as it would
// have been without group commit (each write function starts afresh when
// run again). So is a submission that lost a race inside a batch (a
// deadlock or serialization failure, retryable): the others commit, and it
// retries alone.

// maxBatch bounds the submissions of one batch transaction.
const maxBatch = 64

// batchWrite is one queued write of a batch: fn runs in the batch's
// transaction with the batch's context (not the caller's: a caller that
// gives up must not cancel the statements of the others), and its answer
// goes to done.
type batchWrite struct {
	ctx  context.Context
	fn   func(ctx context.Context, c conn) error
	done chan error
}

// errWriteAlone is the answer to a queued write that must be written alone:
// its batch failed as a whole, or it lost a race inside the batch.
var errWriteAlone = errors.New("sqldb: write again alone")

// groupCommit holds the writes waiting for a batch.
type groupCommit struct {
	queue chan *batchWrite
	// leaders holds the free leader places, by number: a batch
	// takes one while it is written, and bumps that place's
	// board_versions shard (conn.shard).
	leaders chan int
	// beforeCommit, when set (tests only, before any write), is called at
	// the end of each batch transaction; an error it returns fails the
	// batch as a failed COMMIT would.
	beforeCommit func(n int) error
	// lostRaces counts the writes that lost a race inside a batch (and
	// were written again alone).
	lostRaces atomic.Int64
	// batches and writes count the batch transactions committed or
	// tried and the writes they carried (SubmissionWrites).
	batches, writes atomic.Int64
}

// newGroupCommit returns the group commit of a store with the dialect and
// pool, nil on PostgreSQL (see above): queued writes are bounded by the
// submission slots (a write that finds the queue full is written alone).
func newGroupCommit(dl dialect, p Pool, slots int) *groupCommit {
	if dl == dialectPostgres {
		return nil
	}
	return useGroupCommit(dl, p, slots)
}

// useGroupCommit returns a group commit for the dialect and pool.
func useGroupCommit(dl dialect, p Pool, slots int) *groupCommit {
	leaders := 1
	if dl == dialectPostgres {
		leaders = max(1, p.MaxOpen/4)
	}
	g := &groupCommit{queue: make(chan *batchWrite, max(slots, maxBatch)), leaders: make(chan int, leaders)}
	for place := range leaders {
		g.leaders <- place
	}
	return g
}

// groupWrite runs fn in a write transaction at READ COMMITTED (on
// PostgreSQL), batched with the other group writes waiting at the same
// time when the store has group commit. Its contract is writeAt's: fn's
// error or nil once committed, a lost race retried, an error translated.
func (d *DB) groupWrite(ctx context.Context, fn func(ctx context.Context, c conn) error) error {
	alone := func() error {
		return d.writeAt(ctx, sql.LevelReadCommitted, func(c conn) error { return fn(ctx, c) })
	}
	if d.group == nil {
		return alone()
	}
	w := &batchWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.group.queue <- w:
	default:
		return alone()
	}
	err := d.awaitBatch(ctx, w)
	if errors.Is(err, errWriteAlone) {
		return alone()
	}
	return err
}

// awaitBatch waits for w's answer, writing batches meanwhile whenever a
// leader place is free.
func (d *DB) awaitBatch(ctx context.Context, w *batchWrite) error {
	return awaitLeader(w.done, d.group.leaders, func(place int) int { return d.writeQueued(ctx, place) })
}

// writeQueued writes the writes queued now (at most maxBatch) as one batch,
// holding leader place, and answers each; it returns how many it took.
func (d *DB) writeQueued(ctx context.Context, place int) int {
	batch := make([]*batchWrite, 0, 8)
take:
	for len(batch) < maxBatch {
		select {
		case w := <-d.group.queue:
			batch = append(batch, w)
		default:
			break take
		}
	}
	if len(batch) > 0 {
		d.writeBatch(ctx, place, batch)
		d.group.batches.Add(1)
		d.group.writes.Add(int64(len(batch)))
	}
	return len(batch)
}

// writeBatch writes batch in one transaction and answers each write. The
// transaction runs on a context of its own, bounded by Pool.Wait, that the
// leader's caller cannot cancel.
func (d *DB) writeBatch(ctx context.Context, place int, batch []*batchWrite) {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.pool.Wait)
	defer cancel()
	answers := make([]error, len(batch))
	err := d.tryWrite(bctx, sql.LevelReadCommitted, func(c conn) error {
		c.shard = place + 1
		for i, w := range batch {
			var err error
			if answers[i], err = writeInSavepoint(bctx, c, w, len(batch) > 1); err != nil {
				return err
			}
		}
		if len(batch) == 1 && answers[0] != nil {
			// A batch of one has no savepoint: its failed write
			// rolls the transaction back, and its answer stands.
			return errRolledBack
		}
		if d.group.beforeCommit != nil {
			return d.group.beforeCommit(len(batch))
		}
		return nil
	})
	if errors.Is(err, errRolledBack) {
		err = nil
	}
	// When err is nil the batch committed: tryWrite already woke the
	// sequencer and voided the cached benchmark views (views.committed).
	for i, w := range batch {
		switch {
		case err != nil:
			w.done <- errWriteAlone
		case retryable(answers[i]):
			d.group.lostRaces.Add(1)
			w.done <- errWriteAlone
		default:
			w.done <- translate(answers[i])
		}
	}
}

// errRolledBack rolls back a batch of one whose write failed.
var errRolledBack = errors.New("sqldb: the batch's only write failed")

// writeInSavepoint runs w in c's transaction, inside a savepoint when the
// batch has others (a batch of one needs none: its caller rolls the
// transaction back when it fails). It returns w's answer, and an error only
// when the transaction itself failed (then no answer holds).
func writeInSavepoint(ctx context.Context, c conn, w *batchWrite, savepoint bool) (answer, err error) {
	if err := w.ctx.Err(); err != nil {
		// Its caller gave up: nothing is written for it.
		return internal(err), nil
	}
	if !savepoint {
		return w.fn(ctx, c), nil
	}
	if err := c.exec(ctx, `SAVEPOINT submission`); err != nil {
		return nil, err
	}
	if answer = w.fn(ctx, c); answer != nil {
		// On SQLite an error that rolled the whole transaction back
		// (SQLITE_FULL, an I/O error) leaves no savepoint to return to:
		// this fails, and so does the batch.
		if err := c.exec(ctx, `ROLLBACK TO SAVEPOINT submission`); err != nil {
			return nil, err
		}
	}
	if err := c.exec(ctx, `RELEASE SAVEPOINT submission`); err != nil {
		return nil, err
	}
	return answer, nil
}
