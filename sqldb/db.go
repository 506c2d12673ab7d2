// Package sqldb is the registry's store, on SQLite (the embedded default,
// through the pure-Go modernc.org/sqlite) or PostgreSQL (through pgx). It
// implements medperf.Service: every method checks the caller's rights itself,
// runs in one transaction, and writes its audit events in that transaction,
// so that a failed request changes nothing and the log matches the data.
//
// Schema changes are embedded SQL migrations, one directory per dialect,
// applied in order at Open and never edited after they land.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"modernc.org/sqlite"               // the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/medperf/medperf"
)

// dialect names the database flavour.
type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// DB is the store. Its methods are safe for concurrent use.
type DB struct {
	// db serves reads; on PostgreSQL it serves writes too.
	db *sql.DB
	// wdb serves write transactions: on SQLite a pool of exactly one
	// connection, so that writers queue in Go, in order, instead of
	// sleeping and retrying in SQLite's busy handler; on PostgreSQL, db.
	wdb     *sql.DB
	dialect dialect
	pool    Pool
	tokens  *tokenCache
	log     logSigner
	// containerCheck, when set, checks a container as the sites will
	// (SetContainerCheck).
	containerCheck func(medperf.ContainerInput) error
	pages          resultPages
	views          benchmarkViews
	seq            *sequencer
	// rstmts and wstmts cache the prepared statements of db and wdb on
	// SQLite; nil on PostgreSQL.
	rstmts, wstmts *stmtCache
	// rebound maps queries to their rebound text (rebind), nrebound
	// counts the texts stored or tried.
	rebound  sync.Map
	nrebound atomic.Int64
	// slots admits submissions (admitSubmission).
	slots chan struct{}
	// group batches the submissions' writes (groupWrite).
	group *groupCommit
	// batches batches PostgreSQL's submission statements
	// (submitInOneStatement); nil on SQLite.
	batches *statementBatches
	// stats analyzes PostgreSQL's young tables (planstats.go); nil on
	// SQLite.
	stats *planStats
	// Now returns the current time; tests may replace it before use.
	Now func() time.Time
}

var _ medperf.Service = (*DB)(nil)

// Open opens the database that dsn names with the default Pool; see
// OpenPool.
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenPool(ctx, dsn, Pool{})
}

// OpenPool opens the database that dsn names, with connections bounded by
// pool, and applies pending migrations: a postgres:// or postgresql:// URL
// for PostgreSQL, otherwise the path of a SQLite file (created when
// missing; "sqlite:" prefix optional). CodeInvalid for an empty path,
// CodeUnavailable when the database cannot be reached.
func OpenPool(ctx context.Context, dsn string, pool Pool) (*DB, error) {
	d := &DB{Now: time.Now, tokens: newTokenCache(tokenTTL)}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = dialectPostgres
		d.pool = pool.withDefaults(d.dialect)
		d.db, err = sql.Open("pgx", dsn)
		d.wdb = d.db
	default:
		d.dialect = dialectSQLite
		d.pool = pool.withDefaults(d.dialect)
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, medperf.FieldError("db", "is empty: give a SQLite file path or a postgres:// URL")
		}
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		if d.wdb, err = sql.Open("sqlite", sqliteDSN(path)); err == nil {
			d.db, err = sql.Open("sqlite", sqliteDSN(path))
		}
	}
	if err != nil {
		d.closeAll()
		return nil, unavailable(err)
	}
	d.pool.apply(d.db)
	d.slots = make(chan struct{}, submissionSlots*d.pool.MaxOpen)
	d.group = newGroupCommit(d.dialect, d.pool, cap(d.slots))
	d.batches = newStatementBatches(d.dialect, d.pool, cap(d.slots))
	if d.wdb != d.db {
		d.wdb.SetMaxOpenConns(1)
		d.wdb.SetMaxIdleConns(1)
		d.wdb.SetConnMaxLifetime(0)
		d.wdb.SetConnMaxIdleTime(0)
	}
	if err := d.wdb.PingContext(ctx); err != nil {
		d.closeAll()
		return nil, unavailable(err)
	}
	if err := d.migrate(ctx); err != nil {
		d.closeAll()
		return nil, err
	}
	if d.dialect == dialectSQLite {
		d.rstmts, d.wstmts = newStmtCache(d.db), newStmtCache(d.wdb)
	}
	d.startSequencer()
	d.startPlanStats()
	return d, nil
}

// closeAll closes the pools that exist.
func (d *DB) closeAll() error {
	var err error
	if d.wdb != nil && d.wdb != d.db {
		err = d.wdb.Close()
	}
	if d.db != nil {
		err = errors.Join(err, d.db.Close())
	}
	return err
}

// createPrivate creates the SQLite file with mode 0600 when it does not
// exist, so that the database (emails, token hashes) is readable by its
// owner only; SQLite gives its journal files the same mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Field: "db", Message: "cannot create the database file " + path, Err: err}
	}
	return f.Close()
}

// sqliteDSN turns a file path into a modernc.org/sqlite DSN: WAL journal,
// foreign keys, a busy timeout, and write transactions that take the lock
// at BEGIN so that concurrent writers queue instead of failing.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(20000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

func unavailable(err error) error {
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the database cannot be reached; retry later", Err: err}
}

// Close closes the database. Cached tokens are forgotten: a closed store
// authenticates no one (CodeUnavailable), not even for the rest of the
// cache's second.
func (d *DB) Close() error {
	d.tokens.forgetAll()
	d.stopSequencer()
	d.stopPlanStats()
	d.rstmts.close()
	d.wstmts.close()
	return d.closeAll()
}

// Ping checks that the database answers; CodeUnavailable otherwise.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return unavailable(err)
	}
	return nil
}

// Dialect returns "sqlite" or "postgres".
func (d *DB) Dialect() string { return string(d.dialect) }

// rebind turns the ? placeholders of q into PostgreSQL's $n. The store's
// queries are a fixed set, so their rebound texts are kept (up to
// maxRebound: texts built per call, such as IN lists, are rebound each
// time); building them was 4% of a PostgreSQL submission's CPU.
func (d *DB) rebind(q string) string {
	if d.dialect != dialectPostgres {
		return q
	}
	if r, ok := d.rebound.Load(q); ok {
		return r.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	if d.nrebound.Add(1) <= maxRebound {
		d.rebound.Store(q, b.String())
	}
	return b.String()
}

// maxRebound bounds the rebound texts a store keeps.
const maxRebound = 1024

// now returns the current time in the stored form.
func (d *DB) now() string { return formatTime(d.Now()) }

const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid || s.String == "" {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

// lostConnection reports whether err says the database cannot be reached:
// a network error, a refused, reset or cut PostgreSQL connection (a cut
// mid-query surfaces as an unexpected EOF), or a closed pool (database/sql
// does not export that error, so only its text tells).
func lostConnection(err error) bool {
	var (
		ne net.Error
		ce *pgconn.ConnectError
		pe *pgconn.PgError
	)
	if errors.As(err, &pe) {
		// A connection error (class 08), or the server ending the
		// connection (terminated by an administrator, crash, shutdown).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		err.Error() == "sql: database is closed"
}

// overloaded reports whether err says the database is there but cannot
// serve now: PostgreSQL out of connections or resources, shutting down or
// starting up, a connection error class (08); SQLite locked by another
// process past the busy timeout, or out of disk.
func overloaded(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "53") ||
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED || c == sqlite3.SQLITE_FULL
	}
	return false
}

// internal wraps an unexpected database error.
func internal(err error) error {
	var me *medperf.Error
	if errors.As(err, &me) || err == nil {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "operation canceled", Err: err}
	}
	if storageFull(err) {
		return diskFull(err)
	}
	if lostConnection(err) {
		return unavailable(err)
	}
	if overloaded(err) {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the database is overloaded; retry later", Err: err}
	}
	return &medperf.Error{Code: medperf.CodeInternal, Message: "internal error", Err: err}
}
