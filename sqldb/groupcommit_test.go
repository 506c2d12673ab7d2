package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// submitted is one submission's answer.
type submitted struct {
	r       *medperf.Result
	created bool
	err     error
}

// submitInOneBatch holds db's batches, starts the submissions, waits until
// all of them queue for the writer, then lets them go: the first leader
// writes them in one batch (in their queue order, which is the order they
// arrived in, not necessarily ins' order). It returns each one's answer.
func submitInOneBatch(t *testing.T, db *sqldb.DB, s medperf.Service, ins []medperf.ResultInput) []submitted {
	t.Helper()
	sqldb.UseGroupCommit(db)
	return submitHeld(t, db, s, ins)
}

// waitQueued waits until n writes wait for a batch.
func waitQueued(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); sqldb.QueuedWrites(db) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued after 10 s, want %d", sqldb.QueuedWrites(db), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// batchSizes records the size of every batch that reaches its commit.
type batchSizes struct {
	mu    sync.Mutex
	sizes []int
	// fail, when set, fails the batch of that call (from 0).
	fail map[int]bool
}

func (b *batchSizes) hook(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	call := len(b.sizes)
	b.sizes = append(b.sizes, n)
	if b.fail[call] {
		return errors.New("injected commit failure")
	}
	return nil
}

// resultEvents returns how many audit events of results db holds.
func resultEvents(t *testing.T, w *medperftest.World) int {
	t.Helper()
	l, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: "result", Page: medperf.Page{Limit: 200, Total: true}})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

// benchmarkResults returns the results of the world's benchmark by model.
func benchmarkResults(t *testing.T, w *medperftest.World) map[int64][]medperf.Result {
	t.Helper()
	l, err := w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: medperf.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64][]medperf.Result{}
	for _, r := range l.Items {
		out[r.ModelID] = append(out[r.ModelID], r)
	}
	return out
}

// TestABatchAnswersEachSubmissionOnItsOwn writes, in one batch, a
// submission refused (its model not approved), two with the same key, two
// with different keys for the same (benchmark, model, dataset), and one
// alone: exactly the right ones land, and each caller gets its own answer.
func TestABatchAnswersEachSubmissionOnItsOwn(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		models := racingModels(t, w, 3)
		pending := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("pending", medperf.StateOperation, medperf.TaskInfer))
		medperftest.Must[*medperf.Association](t)(w.ModelOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindModel,
			medperf.AssociationRequest{ComponentID: pending.ID}))
		var sizes batchSizes
		sqldb.UseGroupCommit(db)
		sqldb.BeforeBatchCommit(db, sizes.hook)

		ins := []medperf.ResultInput{
			submission(w, pending.ID, "refused"),
			submission(w, models[0], "same-key"), submission(w, models[0], "same-key"),
			submission(w, models[1], "key-a"), submission(w, models[1], "key-b"),
			submission(w, models[2], "alone"),
		}
		got := submitInOneBatch(t, db, w.DataOwner, ins)
		if len(sizes.sizes) != 1 || sizes.sizes[0] != len(ins) {
			t.Fatalf("batches of %v reached their commit, want one of %d", sizes.sizes, len(ins))
		}

		if code := medperf.ErrorCode(got[0].err); code != medperf.CodeConflict || got[0].r != nil {
			t.Errorf("unapproved model: %v, code %q, want no result and %q", got[0].r, code, medperf.CodeConflict)
		}
		for _, i := range []int{1, 2} {
			if got[i].err != nil || got[i].r == nil {
				t.Fatalf("same key, submission %d: %v", i, got[i].err)
			}
		}
		if got[1].r.ID != got[2].r.ID || got[1].created == got[2].created {
			t.Errorf("same key: results %d (created %v) and %d (created %v), want one result created once",
				got[1].r.ID, got[1].created, got[2].r.ID, got[2].created)
		}
		wins, conflicts := 0, 0
		for _, s := range got[3:5] {
			switch {
			case s.err == nil && s.created:
				wins++
			case medperf.ErrorCode(s.err) == medperf.CodeConflict && s.r == nil:
				conflicts++
			default:
				t.Errorf("same triple, other key: %v, created %v, code %q", s.r, s.created, medperf.ErrorCode(s.err))
			}
		}
		if wins != 1 || conflicts != 1 {
			t.Errorf("same triple, other keys: %d created and %d conflicts, want 1 and 1", wins, conflicts)
		}
		if got[5].err != nil || !got[5].created || got[5].r.ModelID != models[2] {
			t.Errorf("alone: %+v, created %v, %v", got[5].r, got[5].created, got[5].err)
		}

		byModel := benchmarkResults(t, w)
		for _, m := range models {
			if len(byModel[m]) != 1 {
				t.Errorf("model %d has %d results, want 1", m, len(byModel[m]))
			}
		}
		if len(byModel[pending.ID]) != 0 {
			t.Errorf("the unapproved model has %d results, want 0", len(byModel[pending.ID]))
		}
		if n := resultEvents(t, w); n != 3 {
			t.Errorf("%d audit events of results, want 3 (one per result that landed)", n)
		}
		checkLogCoversEvents(t, db, w)
	})
}

// TestAFailedBatchCommitsNothingAndIsWrittenAgain fails a batch's
// transaction at its end, as a failed COMMIT would: nothing of it remains,
// and each submission is written again alone, exactly once.
func TestAFailedBatchCommitsNothingAndIsWrittenAgain(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		models := racingModels(t, w, 4)
		sizes := batchSizes{fail: map[int]bool{0: true}}
		sqldb.UseGroupCommit(db)
		sqldb.BeforeBatchCommit(db, sizes.hook)
		var ins []medperf.ResultInput
		for i, m := range models {
			ins = append(ins, submission(w, m, "failed-batch-"+string(rune('a'+i))))
		}
		got := submitInOneBatch(t, db, w.DataOwner, ins)
		if len(sizes.sizes) != 1 || sizes.sizes[0] != len(ins) {
			t.Fatalf("batches of %v reached their commit, want one of %d (then each alone, outside any batch)", sizes.sizes, len(ins))
		}
		for i, s := range got {
			if s.err != nil || !s.created || s.r.ModelID != models[i] {
				t.Errorf("submission %d: %+v, created %v, %v; want its result, created", i, s.r, s.created, s.err)
			}
		}
		byModel := benchmarkResults(t, w)
		for _, m := range models {
			if len(byModel[m]) != 1 {
				t.Errorf("model %d has %d results, want 1", m, len(byModel[m]))
			}
		}
		if n := resultEvents(t, w); n != len(ins) {
			t.Errorf("%d audit events of results, want %d: the failed batch left some behind", n, len(ins))
		}
		checkLogCoversEvents(t, db, w)
	})
}

// TestASubmissionGivenUpInTheQueueIsNotWritten cancels a queued
// submission's context before its batch runs: it is answered
// CodeCanceled and nothing of it is written; the rest of the batch is.
func TestASubmissionGivenUpInTheQueueIsNotWritten(t *testing.T) {
	for _, grouped := range []bool{false, true} {
		t.Run(fmt.Sprintf("group commit %v", grouped), func(t *testing.T) {
			forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
				givenUpInTheQueue(t, db, w, grouped)
			})
		})
	}
}

// givenUpInTheQueue is TestASubmissionGivenUpInTheQueueIsNotWritten with
// group commit (on PostgreSQL; SQLite always has it), or with what the
// store does without (PostgreSQL's statement batches).
func givenUpInTheQueue(t *testing.T, db *sqldb.DB, w *medperftest.World, grouped bool) {
	models := racingModels(t, w, 2)
	if grouped {
		sqldb.UseGroupCommit(db)
	}
	release := sqldb.HoldBatches(db)
	cctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var gaveUp, kept submitted
	wg.Add(1)
	go func() {
		defer wg.Done()
		gaveUp.r, gaveUp.created, gaveUp.err = w.DataOwner.SubmitResult(cctx, submission(w, models[0], "gave-up"))
	}()
	waitQueued(t, db, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		kept.r, kept.created, kept.err = w.DataOwner.SubmitResult(ctx, submission(w, models[1], "kept"))
	}()
	waitQueued(t, db, 2)
	cancel()
	release()
	wg.Wait()
	wantCode(t, gaveUp.err, medperf.CodeCanceled)
	if kept.err != nil || !kept.created {
		t.Fatalf("the other submission: created %v, %v", kept.created, kept.err)
	}
	byModel := benchmarkResults(t, w)
	if len(byModel[models[0]]) != 0 || len(byModel[models[1]]) != 1 {
		t.Errorf("results by model %v, want none for %d and one for %d", byModel, models[0], models[1])
	}
}

// checkLogCoversEvents sequences the log (a checkpoint) and checks that it
// holds one leaf per audit event, each rebuilt from its row: every write
// of a committed batch reached the log, and no leaf of a rolled-back one
// is left.
func checkLogCoversEvents(t *testing.T, db *sqldb.DB, w *medperftest.World) {
	t.Helper()
	id, err := trust.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetLogKey(id); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LogCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: medperf.Page{Limit: 1, Total: true}})
	if err != nil {
		t.Fatal(err)
	}
	leaves, err := db.LogLeaves(medperf.WithCaller(ctx, &w.Admin.User), 0, sqldb.MaxLeavesPage)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != l.Total {
		t.Errorf("the log has %d leaves, the audit %d events", len(leaves), l.Total)
	}
	for _, e := range leaves {
		if e.Missing || e.Kind != trust.LeafKindAudit {
			t.Errorf("leaf %d: %s %d, missing %v; want an audit event's", e.Index, e.Kind, e.RefID, e.Missing)
		}
	}
}

// TestABatchRollsBackOnlyTheWritesThatFail writes four writes in one
// batch: two that write a row and then fail (with an answer, and with a
// database error, which on PostgreSQL aborts what ran since the last
// savepoint) and two that succeed. Only the two that succeed leave their
// rows, and each gets its own answer.
func TestABatchRollsBackOnlyTheWritesThatFail(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			db := MustOpen(t, dialect)
			var sizes batchSizes
			sqldb.UseGroupCommit(db)
			sqldb.BeforeBatchCommit(db, sizes.hook)
			mark := func(exec sqldb.Exec, id int64) error {
				return exec(`INSERT INTO board_versions (benchmark_id, shard, version) VALUES (?, 0, 1)`, id)
			}
			writes := map[int64]func(exec sqldb.Exec) error{
				1001: func(exec sqldb.Exec) error { return mark(exec, 1001) },
				1002: func(exec sqldb.Exec) error {
					if err := mark(exec, 1002); err != nil {
						return err
					}
					return medperf.Errorf(medperf.CodeConflict, "refused after writing")
				},
				1003: func(exec sqldb.Exec) error {
					if err := mark(exec, 1003); err != nil {
						return err
					}
					return exec(`SELECT nothing FROM no_such_table`)
				},
				1004: func(exec sqldb.Exec) error { return mark(exec, 1004) },
			}
			want := map[int64]medperf.Code{1001: "", 1002: medperf.CodeConflict, 1003: medperf.CodeInternal, 1004: ""}

			release := sqldb.HoldBatches(db)
			var mu sync.Mutex
			got := map[int64]error{}
			var wg sync.WaitGroup
			for id, fn := range writes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := sqldb.GroupWrite(db, ctx, fn)
					mu.Lock()
					got[id] = err
					mu.Unlock()
				}()
			}
			waitQueued(t, db, len(writes))
			release()
			wg.Wait()

			if len(sizes.sizes) != 1 || sizes.sizes[0] != len(writes) {
				t.Fatalf("batches of %v reached their commit, want one of %d", sizes.sizes, len(writes))
			}
			for id, code := range want {
				if medperf.ErrorCode(got[id]) != code {
					t.Errorf("write %d: code %q (%v), want %q", id, medperf.ErrorCode(got[id]), got[id], code)
				}
				rows, err := sqldb.Count(db, ctx, `SELECT COUNT(*) FROM board_versions WHERE benchmark_id = ?`, id)
				if err != nil {
					t.Fatal(err)
				}
				if landed := code == ""; (rows == 1) != landed {
					t.Errorf("write %d left %d rows; want 1 only if it succeeded", id, rows)
				}
			}
		})
	}
}

// TestConcurrentBatchesDoNotDeadlock runs many submissions to one benchmark
// at once, so that several batches run together (PostgreSQL has several
// leader places): none loses a race inside its batch (a deadlock on the
// benchmark's leaderboard counters was what they lost), and every one lands.
func TestConcurrentBatchesDoNotDeadlock(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		sqldb.UseGroupCommit(db)
		models := racingModels(t, w, 8)
		ds := make([]int64, 8)
		for i := range ds {
			d := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("batch", w.Preparator.ID, medperf.StateOperation))
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, d.ID)
			ds[i] = d.ID
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(models)*len(ds))
		for _, m := range models {
			for _, d := range ds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					in := submission(w, m, fmt.Sprintf("deadlock-%d-%d", m, d))
					in.DatasetID = d
					_, created, err := w.DataOwner.SubmitResult(ctx, in)
					if err == nil && !created {
						err = fmt.Errorf("model %d, dataset %d: not created", m, d)
					}
					errs <- err
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := sqldb.LostRacesInBatches(db); n != 0 {
			t.Errorf("%d writes lost a race inside their batch, want 0", n)
		}
	})
}

// TestGroupCommitIsSQLiteOnly checks the stores' defaults: SQLite batches
// its submissions, PostgreSQL writes each in its own transaction.
func TestGroupCommitIsSQLiteOnly(t *testing.T) {
	for dialect, want := range map[string]bool{"sqlite": true, "postgres": false} {
		t.Run(dialect, func(t *testing.T) {
			if got := sqldb.HasGroupCommit(MustOpen(t, dialect)); got != want {
				t.Errorf("group commit %v, want %v", got, want)
			}
		})
	}
}
