package sqldb_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestMigrationsRunOnceWhenReplicasStartTogether starts three stores at
// once on an empty PostgreSQL database, as three replicas do: every one
// opens, and each migration is recorded exactly once.
func TestMigrationsRunOnceWhenReplicasStartTogether(t *testing.T) {
	dsn := medperftest.Require(t, medperftest.Postgres)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqldb.Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var rows, versions int
	if err := raw.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	if rows != versions || versions < 5 {
		t.Errorf("%d migration rows for %d versions, want one each (at least 5)", rows, versions)
	}
}
