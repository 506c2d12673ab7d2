package sqldb_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// cachedPlan returns the plan that c's prepared statement submission_check (a
// submission's check, SubmissionCheckPG) runs with now: EXPLAIN EXECUTE
// uses the cached plan.
func cachedPlan(t *testing.T, c *sql.Conn, w *medperftest.World) string {
	t.Helper()
	m, d := w.Model.ID, w.Dataset.ID
	rows, err := c.QueryContext(ctx, fmt.Sprintf(`EXPLAIN EXECUTE submission_check(%d, %d, 'dataset', %d, 'model', %d, %d, %d, %d, 'a-key', %d)`,
		m, d, d, m, m, d, w.DataOwner.ID, w.Benchmark.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// addResults inserts n finalized results of the world's benchmark and
// model, each on a dataset of its own, past the registry's rules (the
// analyzer only counts rows), and publishes the counts of changed rows at
// once (a session that published less than a second before waits up to
// ten seconds otherwise).
func addResults(t *testing.T, c *sql.Conn, w *medperftest.World, n int) {
	t.Helper()
	if _, err := c.ExecContext(ctx, `WITH d AS (
		INSERT INTO datasets (owner, name, description, location, input_data_hash, generated_uid, preparator, state, is_valid,
			created_at, modified_at)
		SELECT $1, 'grown-' || g, '', '', '', 'grown-' || g || '-' || $5, $2, 'DEVELOPMENT', TRUE, '2026-01-01', '2026-01-01'
		FROM generate_series(1, $3) g RETURNING id)
		INSERT INTO results (owner, name, benchmark_id, model_id, dataset_id, metrics, finalized, idempotency_key, is_valid,
			created_at, modified_at)
		SELECT $1, 'grown', $4, $6, d.id, '{}', TRUE, '', TRUE, '2026-01-01', '2026-01-01' FROM d`,
		w.DataOwner.ID, w.Preparator.ID, n, w.Benchmark.ID, fmt.Sprint(time.Now().UnixNano()), w.Model.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
		t.Fatal(err)
	}
}

// openWithConn opens a fresh PostgreSQL store with its world, and a
// connection of its own to the same database.
func openWithConn(t *testing.T) (*sqldb.DB, *medperftest.World, *sql.Conn) {
	t.Helper()
	dsn := medperftest.Require(t, medperftest.Postgres)
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	c, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return db, newWorld(t, db), c
}

// TestPlansMadeOnYoungTablesAreRenewedAsTheyGrow prepares a submission's
// check on a connection while results holds 100 rows, with the generic
// plan that the store's connections come to keep, then grows results past
// MinAnalyzeRows: after the store's next write, its analyzer analyzes
// results, and the cached plan is made again, by the unique index of the
// triple instead of a scan of the benchmark's results. Without the analyzer
// the connection kept its first plan until autovacuum's next look (once a
// minute; off here).
func TestPlansMadeOnYoungTablesAreRenewedAsTheyGrow(t *testing.T) {
	db, w, c := openWithConn(t)
	// A young registry: a few results. Autovacuum is off for the tables
	// the check reads (its analyze of any of them renews the plan), so
	// that only the store's analyzer can.
	for _, table := range []string{"results", "benchmarks", "containers", "datasets", "associations"} {
		if _, err := c.ExecContext(ctx, `ALTER TABLE `+table+` SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
	}
	addResults(t, c, w, 100)
	for _, q := range []string{`SET plan_cache_mode = force_generic_plan`, `PREPARE submission_check AS ` + sqldb.SubmissionCheckPG(db)} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if plan := cachedPlan(t, c, w); !strings.Contains(plan, "results_benchmark") {
		t.Fatalf("on a young results table, PostgreSQL planned the submission's check without the trap this test is about:\n%s", plan)
	}
	// reltuples changes with each analyze of results, and with nothing
	// else (it is written in the analyze's own transaction).
	reltuples := func() float64 {
		var n float64
		if err := c.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'results'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	young := reltuples()
	addResults(t, c, w, 3*sqldb.MinAnalyzeRows)
	// The analyzer may still be looking after the world's writes (a look a
	// second, three after the last write): if it analyzed results just now,
	// the plan is renewed already, by it.
	if plan := cachedPlan(t, c, w); !strings.Contains(plan, "results_benchmark") && reltuples() == young {
		t.Fatalf("the connection renewed its plan before any analyze:\n%s", plan)
	}
	// A write through the store wakes its analyzer; the changed rows
	// reach the statistics within a second or so.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("grow-"+strings.Repeat("x", i%5)+time.Now().Format("150405.000000"), w.Preparator.ID, medperf.StateOperation))
		time.Sleep(200 * time.Millisecond)
		plan := cachedPlan(t, c, w)
		if strings.Contains(plan, "results_one_final") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after results grew to %d rows, the cached plan is still:\n%s", 3*sqldb.MinAnalyzeRows, plan)
		}
	}
}

// TestTheAnalyzerTakesOnlyTablesThatDoubled runs the analyzer's look by
// hand: a table is analyzed once it holds MinAnalyzeRows, then again each
// time it holds twice the rows of its last analyze, and not for rows
// updated in place, however many.
func TestTheAnalyzerTakesOnlyTablesThatDoubled(t *testing.T) {
	db, w, c := openWithConn(t)
	sqldb.StopAnalyzer(db) // the looks below are the only ones
	// Nor may autovacuum analyze results between the steps: its analyze
	// resets the count each step compares with (it visits a new database
	// within a minute, sooner when the server holds few).
	if _, err := c.ExecContext(ctx, `ALTER TABLE results SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	analyses := func() int64 {
		var n int64
		if err := c.QueryRowContext(ctx, `SELECT analyze_count FROM pg_stat_user_tables
			WHERE relname = 'results' AND schemaname = current_schema()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// allAnalyses counts the ANALYZE statements run on the schema's
	// tables (autovacuum's are counted apart): the store's.
	allAnalyses := func() int64 {
		var n int64
		if err := c.QueryRowContext(ctx, `SELECT sum(analyze_count) FROM pg_stat_user_tables
			WHERE schemaname = current_schema()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	step := func(what string, grow int, want int64) {
		t.Helper()
		addResults(t, c, w, grow)
		if _, err := sqldb.AnalyzeGrown(db); err != nil {
			t.Fatal(err)
		}
		if got := analyses(); got != want {
			t.Fatalf("%s: results analyzed %d times, want %d", what, got, want)
		}
		if got, all := db.TablesAnalyzed(), allAnalyses(); got != all {
			t.Fatalf("%s: the store counts %d tables analyzed, PostgreSQL %d", what, got, all)
		}
	}
	if _, err := sqldb.AnalyzeGrown(db); err != nil { // whatever the world's set-up left
		t.Fatal(err)
	}
	n := analyses()
	least := sqldb.MinAnalyzeRows
	step("fewer rows than the least analyzed", least/2, n)
	step("past the least analyzed", least, n+1)
	step("a third more than at its analyze", least/2, n+1)
	if _, err := c.ExecContext(ctx, `UPDATE results SET modified_at = '2026-01-02'`); err != nil {
		t.Fatal(err)
	}
	step("every row updated in place", 0, n+1)
	step("twice the rows of its analyze", least, n+2)
}

// TestTheAnalyzerLeavesOthersTablesAlone opens the store as a database user
// that is not a superuser (a deployment's usual one) and puts beside its
// tables a grown table that another role owns: the analyzer analyzes its
// own grown results, names nothing else (ANALYZE would only warn that it
// skipped the other's, at every look), and counts only what it analyzed.
func TestTheAnalyzerLeavesOthersTablesAlone(t *testing.T) {
	base := medperftest.Require(t, medperftest.Postgres) // the fresh database, as the superuser
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	role := "medperf_owner_" + strings.TrimPrefix(u.Path, "/medperf_test_")
	// A password, for servers that ask for one (the tests' DSN may not trust
	// local users).
	password := fmt.Sprint(time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, `CREATE ROLE `+role+` LOGIN NOSUPERUSER PASSWORD '`+password+`'`); err != nil {
		t.Fatalf("creating a role (the user of %s must be allowed to: docs/development.md): %v", medperftest.PostgresEnv, err)
	}
	// Roles are the server's, not the database's: this one goes when the
	// test ends, once the store's connections are closed, with what it
	// owns given back to the superuser.
	defer func() {
		if _, err := admin.ExecContext(ctx, `REASSIGN OWNED BY `+role+` TO CURRENT_USER`); err != nil {
			t.Log(err)
		}
		if _, err := admin.ExecContext(ctx, `DROP OWNED BY `+role); err != nil {
			t.Log(err)
		}
		if _, err := admin.ExecContext(ctx, `DROP ROLE `+role); err != nil {
			t.Log(err)
		}
	}()
	// It may create its tables, and owns neither the schema nor the
	// database (a database's owner may analyze every table in it).
	if _, err := admin.ExecContext(ctx, `GRANT USAGE, CREATE ON SCHEMA public TO `+role); err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	db, err := sqldb.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sqldb.StopAnalyzer(db)
	w := newWorld(t, db)
	for _, q := range []string{
		`ALTER TABLE results SET (autovacuum_enabled = false)`,
		`CREATE TABLE not_ours (n int) WITH (autovacuum_enabled = false)`,
		`INSERT INTO not_ours SELECT generate_series(1, 5000)`,
	} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c, err := admin.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addResults(t, c, w, 2*sqldb.MinAnalyzeRows)
	n, err := sqldb.AnalyzeGrown(db)
	if err != nil {
		t.Fatal(err)
	}
	var ours, theirs, all int64
	if err := c.QueryRowContext(ctx, `SELECT
		(SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'results' AND schemaname = current_schema()),
		(SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'not_ours' AND schemaname = current_schema()),
		(SELECT sum(analyze_count) FROM pg_stat_user_tables WHERE schemaname = current_schema())`).Scan(&ours, &theirs, &all); err != nil {
		t.Fatal(err)
	}
	if ours != 1 || theirs != 0 {
		t.Errorf("results analyzed %d times (want 1), not_ours %d times (want 0)", ours, theirs)
	}
	// The results' datasets grew too: what the analyzer says it analyzed is
	// what PostgreSQL counts, the skipped table not among it.
	if int64(n) != all || db.TablesAnalyzed() != all {
		t.Errorf("the analyzer reports %d tables analyzed and counts %d; PostgreSQL counts %d analyzes", n, db.TablesAnalyzed(), all)
	}
}
