package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// conn runs queries written with ? placeholders on a database or
// transaction, as prepared statements on SQLite (stmtCache).
type conn struct {
	q querier
	d *DB
	// tx is q when q is a write transaction.
	tx *sql.Tx
	// shard, when not 0, is 1 + the board_versions shard that the
	// transaction's leaderboard bumps raise (bumpBoards), instead of one
	// at random per bump: a batch of group commit (groupcommit.go) raises
	// its leader place's, so that concurrent batches never wait for each
	// other's counter rows (or deadlock, taking them in other orders).
	shard int
}

func (c conn) exec(ctx context.Context, q string, args ...any) error {
	q = c.d.rebind(q)
	var err error
	if st := c.stmt(ctx, q); st != nil {
		_, err = st.ExecContext(ctx, args...)
	} else {
		_, err = c.q.ExecContext(ctx, q, args...)
	}
	return err
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = c.d.rebind(q)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.q.QueryContext(ctx, q, args...)
}

func (c conn) row(ctx context.Context, q string, args ...any) *sql.Row {
	q = c.d.rebind(q)
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.q.QueryRowContext(ctx, q, args...)
}

// insert runs an INSERT ... RETURNING id and returns the id.
func (c conn) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := c.row(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// count runs a SELECT COUNT(*) query.
func (c conn) count(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := c.row(ctx, q, args...).Scan(&n)
	return n, err
}

// read returns a conn on the database, for queries outside a transaction.
func (d *DB) read() conn { return conn{q: d.db, d: d} }

// maxAttempts bounds the tries of a write transaction that lost a race
// (a serialization failure, a deadlock, a unique violation that a retry
// answers clearly). With the backoff below the last try starts at most about
// a second after the first.
const maxAttempts = 8

// Backoff bounds: the wait before try n+1 is drawn uniformly from
// [b/2, b] with b = backoffBase·2ⁿ capped at backoffMax ("equal jitter"), so
// that transactions that collided do not collide again in lockstep.
const (
	backoffBase = 2 * time.Millisecond
	backoffMax  = 250 * time.Millisecond
)

// backoff returns the wait after the attempt-th failed try (from 0).
func backoff(attempt int) time.Duration {
	b := backoffMax
	if attempt < 8 {
		b = min(backoffMax, backoffBase<<attempt)
	}
	return b/2 + rand.N(b/2+1)
}

// write runs fn in a transaction and commits it; any error rolls it back.
// On PostgreSQL the transaction is SERIALIZABLE and retried when it loses a
// race, so that concurrent approvals and edits behave as if one ran after
// the other, as they do on SQLite, where every write goes through the one
// writer connection. A race lost on every try is CodeConflict, never
// CodeInternal.
func (d *DB) write(ctx context.Context, fn func(c conn) error) error {
	return d.writeAt(ctx, sql.LevelSerializable, fn)
}

// register runs a registration (a new container, dataset, key or user, an
// association request or decision) in a write transaction at READ
// COMMITTED on PostgreSQL. What could make two of them contradict each
// other is decided by the unique constraints (a lost race is a unique
// violation, retried: the retry reads the winner and answers a clear
// CodeConflict) or by a row lock on the one entity they change
// (lockComponent), not by SERIALIZABLE, whose predicate locks made
// unrelated concurrent registrations fail each other (64 seeding clients
// got 409s).
func (d *DB) register(ctx context.Context, fn func(c conn) error) error {
	return d.writeAt(ctx, sql.LevelReadCommitted, fn)
}

// lockComponent locks the row of the dataset or model of an association
// until the transaction ends, on PostgreSQL, so that the requests and
// decisions of one pair run one after the other and each reads the
// latest row the previous one wrote. (FOR NO KEY UPDATE: result inserts,
// which only take a key-share lock on the row for their foreign key, do
// not wait for it.) SQLite's one writer already runs them in turn; a
// missing row is left for the caller to report.
func lockComponent(ctx context.Context, c conn, kind medperf.ComponentKind, id int64) error {
	if c.d.dialect != dialectPostgres {
		return nil
	}
	table := "containers"
	if kind == medperf.KindDataset {
		table = "datasets"
	}
	var got int64
	err := c.row(ctx, `SELECT id FROM `+table+` WHERE id = ? FOR NO KEY UPDATE`, id).Scan(&got)
	if noRows(err) {
		return nil
	}
	return err
}

// writeAt is write at the given isolation level (PostgreSQL only). Writes
// whose races are decided by unique constraints (result submissions: INSERT
// ... ON CONFLICT) use READ COMMITTED, where a concurrent insert of the same
// key waits for the first and then sees it, instead of failing.
func (d *DB) writeAt(ctx context.Context, level sql.IsolationLevel, fn func(c conn) error) error {
	return retryRaces(ctx, func() error { return d.tryWrite(ctx, level, fn) })
}

// retryRaces runs try until it does not lose a race (retryable), at most
// maxAttempts times with backoff, and returns its last error translated.
func retryRaces(ctx context.Context, try func() error) error {
	var err error
	for attempt := range maxAttempts {
		err = try()
		if !retryable(err) || attempt == maxAttempts-1 {
			break
		}
		t := time.NewTimer(backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return internal(ctx.Err())
		case <-t.C:
		}
	}
	return translate(err)
}

func (d *DB) tryWrite(ctx context.Context, level sql.IsolationLevel, fn func(c conn) error) error {
	opts := &sql.TxOptions{}
	if d.dialect == dialectPostgres {
		opts.Isolation = level
	}
	wc, err := d.writer(ctx)
	if err != nil {
		return err
	}
	defer wc.Close()
	tx, err := wc.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(conn{q: tx, d: d, tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	// Cached benchmark views may be older than this write (even a failed
	// commit may have happened).
	d.views.committed()
	if err != nil {
		return err
	}
	// The write may have left log leaves pending (appendLeaf), and made
	// a table grow.
	d.kickSequencer()
	d.kickPlanStats()
	return nil
}

// retryable reports whether err is a lost race: a serialization failure or
// deadlock, or a unique violation by a concurrent transaction (the retry
// sees the other row and answers with a clear error).
func retryable(err error) bool {
	return isUniqueViolation(err) || isSerializationFailure(err)
}

func isSerializationFailure(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// translate turns a race lost on every try into CodeConflict, an overloaded
// or unreachable database into CodeUnavailable, and anything unexpected
// into CodeInternal.
func translate(err error) error {
	if isUniqueViolation(err) {
		return &medperf.Error{Code: medperf.CodeConflict, Message: "a conflicting entity was registered at the same time; retry", Err: err}
	}
	if isSerializationFailure(err) {
		return &medperf.Error{Code: medperf.CodeConflict, Message: "a concurrent change to the same entities won; read them again and retry", Err: err}
	}
	return internal(err)
}

// storageFull reports whether err says the database's disk is full:
// SQLite's SQLITE_FULL (its primary code, whatever the extended one),
// PostgreSQL's disk_full (53100), or ENOSPC from the file system.
func storageFull(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "53100"
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// diskFull is the error of a write refused for lack of disk space. It is
// CodeUnavailable (503 with Retry-After), not a new code: a client does
// what it does for any outage (retry later; the CLI's exit status for an
// unreachable service), the message tells the user and the operator what is
// wrong, and readiness fails until space is freed (Ready), so a load
// balancer sends requests elsewhere. A 507 would add a code to the closed
// set, the client and the CLI for no different action.
func diskFull(err error) error {
	return &medperf.Error{Code: medperf.CodeUnavailable,
		Message: "the registry's disk is full: nothing was saved; an operator must free space, then retry", Err: err}
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// audit appends an event, readable by viewers besides admins, and its leaf
// to the transparency log (rebuilt from the row, as LogLeaves rebuilds it).
func (c conn) audit(ctx context.Context, actor int64, action, entityType string, entityID int64, changes any, viewers ...int64) error {
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	if err := bumpBoards(ctx, c, entityType, entityID); err != nil {
		return err
	}
	now := c.d.now()
	id, err := c.insert(ctx, `INSERT INTO audit (actor, action, entity_type, entity_id, changes, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, actor, action, entityType, entityID, string(b), now)
	if err != nil {
		return err
	}
	leaf, err := auditEventLeaf(id, actor, action, entityType, entityID, b, now)
	if err != nil {
		return err
	}
	if err := c.appendLeaf(ctx, trust.LeafKindAudit, id, leaf); err != nil {
		return err
	}
	// One statement for all the viewers.
	var args []any
	for _, v := range eventViewers(actor, viewers) {
		args = append(args, id, v)
	}
	if len(args) == 0 {
		return nil
	}
	marks := strings.TrimSuffix(strings.Repeat("(?, ?), ", len(args)/2), ", ")
	return c.exec(ctx, `INSERT INTO audit_viewers (event_id, user_id) VALUES `+marks, args...)
}

// auditEventLeaf returns the log leaf of the audit event written with
// these values, as auditLeaf rebuilds it from the row (text columns, stored
// as given), so that a writer need not read the row back.
func auditEventLeaf(id, actor int64, action, entityType string, entityID int64, changes []byte, now string) ([]byte, error) {
	return trust.AuditLeaf(medperf.AuditEvent{ID: id, Actor: actor, Action: action, EntityType: entityType,
		EntityID: entityID, Changes: changes, Time: parseTime(now)})
}

// eventViewers returns the users an audit event is listed for: the viewers
// and the actor, each once, without 0 (no user).
func eventViewers(actor int64, viewers []int64) []int64 {
	out := make([]int64, 0, len(viewers)+1)
	for _, v := range append(viewers, actor) {
		if v != 0 && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// jsonText returns raw as a nullable text value.
func jsonText(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return string(raw)
}

// rawJSON turns a nullable text column back into JSON.
func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// notFound is the error for an id that does not exist or is not visible.
func notFound(what string, id int64) error {
	return medperf.Errorf(medperf.CodeNotFound, "%s %d does not exist", what, id)
}

func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
