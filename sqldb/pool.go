package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"time"

	"github.com/medperf/medperf"
)

// Pool bounds the store's connections to the database. Zero fields take the
// defaults below, chosen for a registry on a small machine: what matters is
// that the pool is bounded (PostgreSQL refuses clients past max_connections,
// 100 by default, shared by every replica) and that SQLite connections live
// long (a new one re-reads the schema).
type Pool struct {
	// MaxOpen bounds the open connections: on PostgreSQL all of them
	// (default 16), on SQLite the readers (default 2 × GOMAXPROCS, at least
	// 4). SQLite always has exactly one more connection, the writer, so that
	// writers queue in Go rather than sleep in SQLite's busy handler.
	MaxOpen int
	// MaxIdle bounds the idle connections kept for reuse. Default MaxOpen.
	MaxIdle int
	// MaxLifetime closes connections older than this, so that a PostgreSQL
	// fail-over or a pooler's rebalancing is picked up. Default 30 minutes
	// on PostgreSQL, unlimited on SQLite.
	MaxLifetime time.Duration
	// MaxIdleTime closes connections idle for longer. Default 5 minutes on
	// PostgreSQL, unlimited on SQLite.
	MaxIdleTime time.Duration
	// Wait bounds how long a write waits for a connection (and, on SQLite,
	// for its turn at the writer) before it fails with CodeUnavailable, so
	// that an overloaded registry answers 503 rather than hanging. Default
	// 15 seconds.
	Wait time.Duration
}

// withDefaults returns p with the zero fields set for dialect d.
func (p Pool) withDefaults(d dialect) Pool {
	if p.MaxOpen <= 0 {
		p.MaxOpen = 16
		if d == dialectSQLite {
			p.MaxOpen = max(4, 2*runtime.GOMAXPROCS(0))
		}
	}
	if p.MaxIdle <= 0 || p.MaxIdle > p.MaxOpen {
		p.MaxIdle = p.MaxOpen
	}
	if d == dialectPostgres {
		if p.MaxLifetime <= 0 {
			p.MaxLifetime = 30 * time.Minute
		}
		if p.MaxIdleTime <= 0 {
			p.MaxIdleTime = 5 * time.Minute
		}
	}
	if p.Wait <= 0 {
		p.Wait = 15 * time.Second
	}
	return p
}

// apply sets the bounds of p on db.
func (p Pool) apply(db *sql.DB) {
	db.SetMaxOpenConns(p.MaxOpen)
	db.SetMaxIdleConns(p.MaxIdle)
	db.SetConnMaxLifetime(p.MaxLifetime)
	db.SetConnMaxIdleTime(p.MaxIdleTime)
}

// writer returns a connection for a write transaction, waiting at most
// Pool.Wait: a full pool past that wait is CodeUnavailable (HTTP 503 with
// Retry-After), not a request that hangs until its client gives up.
func (d *DB) writer(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, d.pool.Wait)
	defer cancel()
	c, err := d.wdb.Conn(wctx)
	if err == nil {
		return c, nil
	}
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, &medperf.Error{Code: medperf.CodeUnavailable,
			Message: "the registry is busy: no database connection became free in " + d.pool.Wait.String() + "; retry later", Err: err}
	}
	return nil, err
}

// submissionSlots is how many submissions run their checks and their write
// at once, per MaxOpen connection. The others wait for a slot before
// touching the database: waiting there, their goroutines are shallow,
// where waiting for the writer after the checks they held the deep stacks
// that SQLite's statements grew (the storm's 5,000 waiting requests were
// most of the server's memory). Two per connection keeps every
// connection busy.
const submissionSlots = 2

// admitSubmission waits for a submission slot, at most Pool.Wait
// (CodeUnavailable past it, as for a connection), and returns the
// function that frees it.
func (d *DB) admitSubmission(ctx context.Context) (func(), error) {
	t := time.NewTimer(d.pool.Wait)
	defer t.Stop()
	select {
	case d.slots <- struct{}{}:
		return func() { <-d.slots }, nil
	case <-ctx.Done():
		return nil, internal(ctx.Err())
	case <-t.C:
		return nil, &medperf.Error{Code: medperf.CodeUnavailable,
			Message: "the registry is busy: too many submissions are waiting; retry in a few seconds"}
	}
}
