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
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

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
	db      *sql.DB
	dialect dialect
	// Now returns the current time; tests may replace it before use.
	Now func() time.Time
}

var _ medperf.Service = (*DB)(nil)

// Open opens the database that dsn names and applies pending migrations:
// a postgres:// or postgresql:// URL for PostgreSQL, otherwise the path of a
// SQLite file (created when missing; "sqlite:" prefix optional).
func Open(ctx context.Context, dsn string) (*DB, error) {
	d := &DB{Now: time.Now}
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		d.dialect = dialectPostgres
		d.db, err = sql.Open("pgx", dsn)
	default:
		d.dialect = dialectSQLite
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, medperf.FieldError("db", "is empty: give a SQLite file path or a postgres:// URL")
		}
		if err := createPrivate(path); err != nil {
			return nil, err
		}
		d.db, err = sql.Open("sqlite", sqliteDSN(path))
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, unavailable(err)
	}
	if err := d.migrate(ctx); err != nil {
		d.db.Close()
		return nil, err
	}
	return d, nil
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
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the database cannot be reached", Err: err}
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

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

// rebind turns the ? placeholders of q into PostgreSQL's $n.
func (d *DB) rebind(q string) string {
	if d.dialect != dialectPostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

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
// a network error, a refused PostgreSQL connection, or a closed pool
// (database/sql does not export that error, so only its text tells).
func lostConnection(err error) bool {
	var (
		ne net.Error
		ce *pgconn.ConnectError
	)
	return errors.As(err, &ne) || errors.As(err, &ce) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || err.Error() == "sql: database is closed"
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
	if lostConnection(err) {
		return unavailable(err)
	}
	return &medperf.Error{Code: medperf.CodeInternal, Message: "internal error", Err: err}
}
