package sqldb_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// submissionTrace is what a submission leaves in the store, without the
// ids and times that differ from store to store.
type submissionTrace struct {
	Events      []string        // action and entity type of each event of the result
	Changes     bool            // the creation event's changes are the submission
	SeenBy      map[string]bool // which role lists the creation event
	Leaves      []string        // the kinds of the log leaves that refer to the result or its event
	BoardRaised int64           // how much the benchmark's leaderboard version rose
}

// TestASubmissionLeavesTheSameTraceWhicheverWayItIsWritten submits a signed
// result on SQLite (a transaction, in a group commit), on PostgreSQL (one
// statement: submitStatementPG) and on PostgreSQL with group commit (a
// transaction), and checks that each store answers with the result as it
// then reads it, and keeps the same events, viewers, log leaves (each
// rebuilt from its row to the stored hash) and leaderboard version.
func TestASubmissionLeavesTheSameTraceWhicheverWayItIsWritten(t *testing.T) {
	traces := map[string]submissionTrace{}
	for _, way := range []string{"sqlite", "postgres", "postgres-transaction"} {
		t.Run(way, func(t *testing.T) {
			dialect := map[string]string{"postgres-transaction": "postgres"}[way]
			if dialect == "" {
				dialect = way
			}
			db := MustOpen(t, dialect)
			if way == "postgres-transaction" {
				sqldb.UseGroupCommit(db)
			}
			w := newWorld(t, db)
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
			id := medperftest.MustIdentity(t, w.DataOwner)
			in := medperftest.Sign(t, id, submission(w, w.ReferenceModel.ID, "signed-1"))
			if one := sqldb.SubmitsInOneStatement(db, in); one != (way == "postgres") {
				t.Fatalf("written in one statement: %v", one)
			}
			before, err := db.LeaderboardStamp(medperf.WithCaller(ctx, &w.BenchmarkOwner.User), w.Benchmark.ID)
			if err != nil {
				t.Fatal(err)
			}
			r, created, err := w.DataOwner.SubmitResult(ctx, in)
			if err != nil || !created || !r.Signed {
				t.Fatalf("%+v, %v, %v", r, created, err)
			}
			read, err := w.DataOwner.GetResult(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(read, r); d != "" {
				t.Errorf("the answer differs from the stored result (-read +answer):\n%s", d)
			}
			again, created, err := w.DataOwner.SubmitResult(ctx, in)
			if err != nil || created || again.ID != r.ID {
				t.Errorf("the same submission again: %+v, created %v, %v; want result %d", again, created, err, r.ID)
			}
			after, err := db.LeaderboardStamp(medperf.WithCaller(ctx, &w.BenchmarkOwner.User), w.Benchmark.ID)
			if err != nil {
				t.Fatal(err)
			}
			traces[way] = traceOf(t, db, w, in, r.ID, after.Version-before.Version)
		})
	}
	want := traces["sqlite"]
	if len(want.Events) != 1 || !want.Changes || want.Leaves == nil {
		t.Fatalf("SQLite's trace is incomplete: %+v", want)
	}
	for way, got := range traces {
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s leaves another trace than SQLite (-sqlite +%s):\n%s", way, way, d)
		}
	}
}

// traceOf reads what the submission of result id left.
func traceOf(t *testing.T, db *sqldb.DB, w *medperftest.World, in medperf.ResultInput, id int64, raised int64) submissionTrace {
	t.Helper()
	submitted, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	tr := submissionTrace{SeenBy: map[string]bool{}, BoardRaised: raised}
	events, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: "result", EntityID: id})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		tr.Events = append(tr.Events, e.Action+" "+e.EntityType)
		tr.Changes = string(e.Changes) == string(submitted)
	}
	if len(events.Items) == 0 {
		t.Fatal("no audit event for the result")
	}
	event := events.Items[0].ID
	for role, u := range map[string]medperftest.User{"benchmark owner": w.BenchmarkOwner, "model owner": w.ModelOwner,
		"data owner": w.DataOwner, "stranger": w.Stranger} {
		l, err := u.ListAudit(ctx, medperf.AuditFilter{EntityType: "result", EntityID: id})
		if err != nil {
			t.Fatal(err)
		}
		tr.SeenBy[role] = len(l.Items) == 1 && l.Items[0].ID == event
	}
	key, err := trust.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetLogKey(key); err != nil {
		t.Fatal(err)
	}
	info, err := db.LogKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp := mustCheckpoint(t, db, info.VerifierKey)
	leaves, err := db.LogLeaves(medperf.WithCaller(ctx, &w.Admin.User), 0, min(sqldb.MaxLeavesPage, cp.Size))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leaves {
		if (l.Kind == trust.LeafKindResult && l.RefID == id) || (l.Kind == trust.LeafKindAudit && l.RefID == event) {
			if l.Missing || trust.LeafHash(l.Leaf) != l.Hash {
				t.Errorf("leaf %d (%s %d) is not rebuilt from its row to its hash", l.Index, l.Kind, l.RefID)
			}
			tr.Leaves = append(tr.Leaves, l.Kind)
		}
	}
	return tr
}

// submitHeld holds db's batches, starts the submissions, waits until all
// of them queue, then lets them go, so that one statement carries them; it
// returns each one's answer.
func submitHeld(t *testing.T, db *sqldb.DB, s medperf.Service, ins []medperf.ResultInput) []submitted {
	t.Helper()
	release := sqldb.HoldBatches(db)
	out := make([]submitted, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].r, out[i].created, out[i].err = s.SubmitResult(ctx, in)
		}()
	}
	waitQueued(t, db, len(ins))
	release()
	wg.Wait()
	return out
}

// TestAStatementBatchAnswersEachSubmissionOnItsOwn writes, on PostgreSQL,
// five submissions in one statement: a submission and its retry (same key,
// same content), two submissions of one triple with different keys, and
// one more. Each gets its own answer (the retry the same result, the
// second of the triple a conflict), the statement is one batch of five, and
// the log holds one leaf per audit event.
func TestAStatementBatchAnswersEachSubmissionOnItsOwn(t *testing.T) {
	db := MustOpen(t, "postgres") // one leader place: the held submissions go in one statement
	w := newWorld(t, db)
	models := racingModels(t, w, 3)
	writes, subs := db.SubmissionWrites()
	a := submission(w, models[0], "a")
	got := submitHeld(t, db, w.DataOwner.Service, []medperf.ResultInput{
		a, a, submission(w, models[1], "c"), submission(w, models[2], "e"), submission(w, models[2], "f")})
	for i, s := range got[:2] {
		if s.err != nil || s.r == nil {
			t.Fatalf("submission %d: %v", i, s.err)
		}
	}
	if got[0].r.ID != got[1].r.ID || got[0].created == got[1].created {
		t.Errorf("a submission and its retry: results %d and %d, created %v and %v; want one result, created once",
			got[0].r.ID, got[1].r.ID, got[0].created, got[1].created)
	}
	if got[2].err != nil || !got[2].created {
		t.Errorf("the other submission: created %v, %v", got[2].created, got[2].err)
	}
	wins := 0
	for _, s := range got[3:] {
		switch {
		case s.err == nil && s.created:
			wins++
		default:
			wantCode(t, s.err, medperf.CodeConflict)
		}
	}
	if wins != 1 {
		t.Errorf("%d of two submissions of one triple created a result, want 1", wins)
	}
	w2, s2 := db.SubmissionWrites()
	if w2-writes != 1 || s2-subs != 5 {
		t.Errorf("%d statements carried %d submissions; want one of five", w2-writes, s2-subs)
	}
	checkLogCoversEvents(t, db, w)
}

// TestAFailedStatementIsWrittenAgainRowByRow fails every submission
// statement of more than one row: the batch's submissions are each written
// again alone, and all of them are created.
func TestAFailedStatementIsWrittenAgainRowByRow(t *testing.T) {
	db := MustOpen(t, "postgres") // one leader place: the held submissions go in one statement
	var mu sync.Mutex
	var sizes []int
	sqldb.BeforeStatement(db, func(n int) error {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, n)
		if n > 1 {
			return errors.New("the batch's statement failed")
		}
		return nil
	})
	w := newWorld(t, db)
	models := racingModels(t, w, 3)
	sizes = nil
	var ins []medperf.ResultInput
	for i, m := range models {
		ins = append(ins, submission(w, m, fmt.Sprint("row-", i)))
	}
	for i, s := range submitHeld(t, db, w.DataOwner.Service, ins) {
		if s.err != nil || !s.created {
			t.Errorf("submission %d: created %v, %v", i, s.created, s.err)
		}
	}
	if want := []int{3, 1, 1, 1}; !slices.Equal(sizes, want) {
		t.Errorf("statements of %v rows, want %v", sizes, want)
	}
	checkLogCoversEvents(t, db, w)
}
