package sqldb

import (
	"context"
	"time"

	"github.com/medperf/medperf"
)

// BoardRowsRead exposes the count of result rows ScanLeaderboard read, for
// the external tests.
var BoardRowsRead = &boardRowsRead

// ViewTTL is how long a replica may answer with a benchmark's view read
// before another replica's change (viewTTL).
const ViewTTL = viewTTL

// SetViewClock replaces the clock of d's benchmark views.
func SetViewClock(d *DB, now func() time.Time) { d.views.now = now }

// UseGroupCommit turns group commit on for db (PostgreSQL has none by
// default), before any write.
func UseGroupCommit(db *DB) {
	if db.group == nil {
		db.group = useGroupCommit(db.dialect, db.pool, cap(db.slots))
	}
}

// HasGroupCommit reports whether db batches submissions.
func HasGroupCommit(db *DB) bool { return db.group != nil }

// HoldBatches takes every leader place of db's group commit (or, on
// PostgreSQL without it, of its statement batches), so that the
// submissions that reach the writer queue until release; the first to lead
// after release writes all of them in one batch. Release gives back one
// place, and the others once that leader has taken the queue: given back
// together (PostgreSQL's group commit has several), two leaders could
// share the queue between them.
func HoldBatches(db *DB) (release func()) {
	leaders := db.batches.leadersOrNil()
	if db.group != nil {
		leaders = db.group.leaders
	}
	var places []int
	for range cap(leaders) {
		places = append(places, <-leaders)
	}
	return func() {
		leaders <- places[0]
		for deadline := time.Now().Add(10 * time.Second); QueuedWrites(db) > 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		for _, p := range places[1:] {
			leaders <- p
		}
	}
}

func (b *statementBatches) leadersOrNil() chan int {
	if b == nil {
		return nil
	}
	return b.leaders
}

// QueuedWrites returns how many writes wait for a batch.
func QueuedWrites(db *DB) int {
	if db.group != nil {
		return len(db.group.queue)
	}
	return len(db.batches.queue)
}

// BeforeStatement calls fn with the size of each of db's submission
// statements (PostgreSQL) before it runs; an error fails it. Set it before
// any write.
func BeforeStatement(db *DB, fn func(n int) error) { db.batches.beforeStatement = fn }

// BeforeBatchCommit calls fn with the size of each batch at the end of its
// transaction; an error fails the batch as a failed COMMIT would. Set it
// before any write.
func BeforeBatchCommit(db *DB, fn func(n int) error) { db.group.beforeCommit = fn }

// Exec runs a statement in a write's transaction.
type Exec func(q string, args ...any) error

// GroupWrite runs fn as a group write of db (a submission's write path).
func GroupWrite(db *DB, ctx context.Context, fn func(exec Exec) error) error {
	return db.groupWrite(ctx, func(ctx context.Context, c conn) error {
		return fn(func(q string, args ...any) error { return c.exec(ctx, q, args...) })
	})
}

// Count runs a SELECT COUNT(*) query on a reader.
func Count(db *DB, ctx context.Context, q string, args ...any) (int, error) {
	return db.read().count(ctx, q, args...)
}

// LostRacesInBatches returns how many writes lost a race inside a batch.
func LostRacesInBatches(db *DB) int64 { return db.group.lostRaces.Load() }

// SubmitsInOneStatement reports whether db writes the submission in with
// one statement (submitStatementPG).
func SubmitsInOneStatement(db *DB, in medperf.ResultInput) bool { return db.submitsInOneStatement(in) }

// AnalyzeGrown runs one look of db's analyzer (planstats.go) and returns
// how many tables it analyzed.
func AnalyzeGrown(db *DB) (int, error) { return db.analyzeGrown(context.Background()) }

// MinAnalyzeRows is the fewest rows of a table that the analyzer
// analyzes.
const MinAnalyzeRows = minAnalyzeRows

// SubmissionCheckPG is the text of a PostgreSQL submission's check
// (submissionFactsQueryPG), with PostgreSQL's placeholders.
func SubmissionCheckPG(db *DB) string { return db.rebind(submissionFactsQueryPG) }

// StopAnalyzer stops db's analyzer goroutine (waiting for a look under
// way), so that a test runs the analyzer's looks alone (AnalyzeGrown).
func StopAnalyzer(db *DB) { db.stopPlanStats() }
