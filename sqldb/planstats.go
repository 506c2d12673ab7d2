package sqldb

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Planner statistics while PostgreSQL's tables are young. A connection
// keeps the plans of its prepared statements; after a few executions it
// may keep a generic plan, made with the table sizes of that moment, until
// the statistics of a table the plan reads change (ANALYZE invalidates
// it). A registry's tables grow from nothing, fast: a plan made while
// results held a few hundred rows checked each submission's triple by
// reading all of its benchmark's results (results_benchmark and a filter, 9,000 buffers a
// read where results_one_final reads 3), on the connections that happened
// to plan early, for as long as they lived. Autovacuum analyzes a table
// after 10% of it changed, but looks only once a minute (its naptime), so a
// storm on a young registry ran on such plans from start to end.
//
// The store therefore analyzes a table itself when it holds twice the rows
// it held at its last analyze (and at least minAnalyzeRows): a few times in
// its life (eleven analyzes take results to a million rows), cheaply
// (analyzeTarget), while autovacuum keeps it afterwards. It looks at most
// once per planStatsEvery, while this process writes and for a few seconds
// after, so an idle registry asks nothing; replicas take turns by an
// advisory lock (planStatsLockKey), and a replica that finds it taken
// leaves the work to the one holding it. SQLite, never analyzed, plans by
// fixed rules rather than table sizes, so only PostgreSQL stores run it.

// minAnalyzeRows is the fewest rows of a table that the store analyzes
// (autovacuum's own threshold is 50 changed rows plus 10%).
const minAnalyzeRows = 1000

// planStatsEvery bounds how often a store looks for grown tables, and
// planStatsLooks is how many times it looks after its last write.
const (
	planStatsEvery = time.Second
	planStatsLooks = 3
)

// planStatsLockKey is the advisory lock ("medplanst" in ASCII, cut to 63
// bits) that a store holds while it analyzes.
const planStatsLockKey = 0x6d65_6470_6c61_6e73 & (1<<63 - 1)

// grownTables names the tables of the store's schema that hold at least
// twice the rows they held at their last analyze (by anyone: autovacuum's
// too), and at least $1. A table never analyzed has reltuples -1. Rows
// updated in place (board_versions' counters) do not count: a table's plans
// change with its size, not with its edits. Only the tables that the
// store's database user owns (or whose owner role it holds) are named: on
// another's, ANALYZE only warns that it skipped it, and would again at every
// look.
const grownTables = `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
	WHERE s.schemaname = current_schema() AND s.n_live_tup >= greatest($1, 2 * c.reltuples)
		AND pg_has_role(c.relowner, 'USAGE')
	ORDER BY s.relname`

// analyzeTarget is the statistics target of the store's analyzes (100 by
// default): a sample of 300 × 10 rows tells a plan a table's size and its
// columns' distinct values as well, for a tenth of the work (results took
// 150–330 ms under a storm with the default); autovacuum's analyzes, at the
// server's target, replace them.
const analyzeTarget = 10

// planStats is a PostgreSQL store's analyzer goroutine.
type planStats struct {
	*waker
	// wrote is set by each write (kickPlanStats) and read by each look.
	wrote atomic.Bool
	// looks counts the looks left before the analyzer waits for a write.
	looks int
	// analyzed counts the tables analyzed.
	analyzed atomic.Int64
}

// startPlanStats starts d's analyzer on PostgreSQL; Close stops it.
func (d *DB) startPlanStats() {
	if d.dialect != dialectPostgres {
		return
	}
	d.stats = &planStats{}
	d.stats.waker = startWaker(d.planStatsRound)
}

// kickPlanStats tells the analyzer that this process wrote, without
// waiting.
func (d *DB) kickPlanStats() {
	if d.stats != nil {
		d.stats.wrote.Store(true)
		d.stats.kick()
	}
}

// stopPlanStats stops the analyzer and waits for it.
func (d *DB) stopPlanStats() {
	if d.stats != nil {
		d.stats.close()
	}
}

// planStatsRound looks for grown tables, then a planStatsEvery later looks
// again, until planStatsLooks looks found no write since the one before:
// a backend publishes its counts of changed rows up to a second after its
// commit. A failure (the database unreachable, say) waits for the next
// look: nothing depends on the analyzer but the plans' quality.
func (d *DB) planStatsRound(ctx context.Context) {
	if d.stats.wrote.Swap(false) {
		d.stats.looks = planStatsLooks
	}
	d.analyzeGrown(ctx)
	if !pause(ctx, planStatsEvery) {
		return
	}
	if d.stats.wrote.Load() {
		return // the write's kick is waiting: the next round starts the count again
	}
	if d.stats.looks--; d.stats.looks > 0 {
		d.stats.kick()
	}
}

// analyzeGrown analyzes the tables that grownTables names, unless another
// replica holds planStatsLockKey, and returns how many it analyzed.
func (d *DB) analyzeGrown(ctx context.Context) (int, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var mine bool
	if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(planStatsLockKey)).Scan(&mine); err != nil || !mine {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL default_statistics_target = `+strconv.Itoa(analyzeTarget)); err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, grownTables, minAnalyzeRows)
	if err != nil {
		return 0, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	for _, name := range tables {
		if _, err := tx.ExecContext(ctx, `ANALYZE `+quoteIdent(name)); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	d.stats.analyzed.Add(int64(len(tables)))
	return len(tables), nil
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
