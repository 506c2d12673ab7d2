package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// forEachStore runs fn on a fresh SQLite store and on a fresh PostgreSQL
// store (skipped, or failed under MEDPERF_TEST_REQUIRE=postgres, when there
// is no PostgreSQL server), each populated with a World.
func forEachStore(t *testing.T, fn func(t *testing.T, db *sqldb.DB, w *medperftest.World)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			db := MustOpen(t, name)
			fn(t, db, newWorld(t, db))
		})
	}
}

// MustOpen opens a fresh store of the dialect, closed when the test ends.
func MustOpen(tb testing.TB, dialect string) *sqldb.DB {
	tb.Helper()
	dsn := filepath.Join(tb.TempDir(), "registry.db")
	if dialect == "postgres" {
		dsn = medperftest.Require(tb, medperftest.Postgres)
	}
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		for e := err; e != nil; e = errors.Unwrap(e) {
			tb.Log(e)
		}
		tb.Fatalf("opening %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// newWorld bootstraps the admin of db and builds a World acting through the
// store directly.
func newWorld(tb testing.TB, db *sqldb.DB) *medperftest.World {
	tb.Helper()
	ctx := context.Background()
	token, created, err := db.BootstrapAdmin(ctx, "admin@example.org", "")
	if err != nil || !created {
		tb.Fatalf("bootstrap: created %v, %v", created, err)
	}
	u, err := db.Authenticate(ctx, token)
	if err != nil {
		tb.Fatal(err)
	}
	admin := medperftest.User{User: *u, Token: token, Service: medperftest.AsCaller(db, u)}
	return medperftest.NewWorld(tb, admin, func(cu *medperf.CreatedUser) medperf.Service {
		return medperftest.AsCaller(db, &cu.User)
	})
}

// wantCode fails t unless err has the code.
func wantCode(t *testing.T, err error, code medperf.Code) {
	t.Helper()
	if got := medperf.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

var ctx = context.Background()

func TestSQLiteFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, fi.Mode(), err)
		}
	}
}

func TestOpenRefusesUnreachableDatabases(t *testing.T) {
	for _, dsn := range []string{"", filepath.Join(t.TempDir(), "no", "such", "dir", "r.db"), "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"} {
		if _, err := sqldb.Open(ctx, dsn); medperf.ErrorCode(err) != medperf.CodeUnavailable && medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("Open(%q): %v", dsn, err)
		}
	}
}
