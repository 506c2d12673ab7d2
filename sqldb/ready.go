package sqldb

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
)

// readyProbeBytes is what the readiness probe writes beside a SQLite file:
// a disk without this much room cannot take a registration either.
const readyProbeBytes = 64 << 10

// Ready checks that the store can serve reads and writes now: a query
// through the read pool, a committed write transaction through the writer
// (it rewrites the newest schema_migrations row unchanged, so it changes
// nothing), and on SQLite a file of readyProbeBytes written, synced and
// removed beside the database, since SQLite may commit into WAL space it
// already owns while the disk is full. Callers bound ctx (readiness uses a
// short timeout). The error is CodeUnavailable (the disk is full, the
// database cannot be reached or is busy) or CodeCanceled.
func (d *DB) Ready(ctx context.Context) error {
	if err := d.Ping(ctx); err != nil {
		return err
	}
	err := d.write(ctx, func(c conn) error {
		return c.exec(ctx, `UPDATE schema_migrations SET applied_at = applied_at
			WHERE version = (SELECT MAX(version) FROM schema_migrations)`)
	})
	if err != nil {
		if medperf.ErrorCode(err) == medperf.CodeInternal {
			return unavailable(err)
		}
		return err
	}
	if d.dialect != dialectSQLite {
		return nil
	}
	return d.probeDisk(ctx)
}

// probeDisk writes, syncs and removes a small file beside the SQLite
// database.
func (d *DB) probeDisk(ctx context.Context) error {
	var file string
	if err := d.db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return internal(err)
	}
	if file == "" {
		return nil // an in-memory database has no disk
	}
	f, err := os.CreateTemp(filepath.Dir(file), ".medperf-ready-*")
	if err != nil {
		return storageError(err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, readyProbeBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return storageError(err)
}

// storageError is nil for nil, the disk-full error for ENOSPC, and
// CodeUnavailable for any other failure to write beside the database.
func storageError(err error) error {
	switch {
	case err == nil:
		return nil
	case storageFull(err):
		return diskFull(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return internal(err)
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the server cannot write beside its database; an operator must check its disk", Err: err}
}
