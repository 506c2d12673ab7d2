package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations between servers starting together ("medperf" in ASCII).
const migrationLock = 0x6d656470657266

// migrate applies, in order of their number, the migrations of the dialect
// that the database has not seen, each in its own transaction. On
// PostgreSQL, replicas starting together on one database take turns under
// a session advisory lock, so each migration runs exactly once and no
// replica serves before the schema is complete; on SQLite the one writer
// connection serialises them already.
func (d *DB) migrate(ctx context.Context) error {
	if d.dialect != dialectPostgres {
		return d.migrateLocked(ctx)
	}
	lock, err := d.wdb.Conn(ctx)
	if err != nil {
		return unavailable(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return unavailable(err)
	}
	defer lock.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	return d.migrateLocked(ctx)
}

func (d *DB) migrateLocked(ctx context.Context) error {
	c := conn{q: d.wdb, d: d}
	if err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return unavailable(err)
	}
	dir := "migrations/" + string(d.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return internal(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return internal(fmt.Errorf("migration %s has no number", name))
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return internal(err)
		}
		if err := d.apply(ctx, version, string(body)); err != nil {
			return internal(fmt.Errorf("migration %s: %w", name, err))
		}
	}
	return nil
}

// apply runs one migration unless it is recorded as applied. Statements are
// split at semicolons, so comments in migrations must not hold any.
func (d *DB) apply(ctx context.Context, version int, body string) error {
	return d.write(ctx, func(c conn) error {
		n, err := c.count(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version)
		if err != nil || n > 0 {
			return err
		}
		for _, stmt := range strings.Split(body, ";") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if err := c.exec(ctx, stmt); err != nil {
				return err
			}
		}
		return c.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, d.now())
	})
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
