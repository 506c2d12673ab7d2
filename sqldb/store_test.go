package sqldb_test

import (
	"context"
	"errors"
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
