package sqldb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// cachedTexts returns the queries s holds prepared, once none is being
// prepared in the background.
func cachedTexts(t *testing.T, s *stmtCache) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		s.mu.RLock()
		busy, texts := len(s.pending) > 0, slices.Sorted(maps.Keys(s.m))
		s.mu.RUnlock()
		if !busy {
			return texts
		}
		if time.Now().After(deadline) {
			t.Fatal("statements are still being prepared after 10 s")
		}
	}
}

// TestSequencerStatementsKeepOneTextWhateverTheBatchSize sequences batches
// of 1 to 24 pending leaves on SQLite and checks that the sequencer's
// statements are the same few prepared ones for every size: a text per
// size (the IN lists and multi-row inserts it built) filled the prepared
// statement cache, after which the store's other queries ran unprepared.
// It also checks that every leaf was sequenced, in order, once.
func TestSequencerStatementsKeepOneTextWhateverTheBatchSize(t *testing.T) {
	ctx := context.Background()
	d := openSQLite(t, Pool{})
	ref := int64(0)
	batch := func(n int) {
		t.Helper()
		err := d.write(ctx, func(c conn) error {
			for range n {
				ref++
				if err := c.appendLeaf(ctx, trust.LeafKindAudit, ref, fmt.Appendf(nil, "leaf %d", ref)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.flushLog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for n := 1; n <= 3; n++ {
		batch(n)
	}
	before := cachedTexts(t, d.wstmts)
	for n := 4; n <= 24; n++ {
		batch(n)
	}
	if after := cachedTexts(t, d.wstmts); !slices.Equal(before, after) {
		t.Errorf("the writer's prepared statements grew from %d to %d with the batch sizes; new: %q",
			len(before), len(after), slices.DeleteFunc(after, func(q string) bool { return slices.Contains(before, q) }))
	}
	rows, err := d.db.QueryContext(ctx, `SELECT idx, ref_id FROM log_leaves ORDER BY idx`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var i int64
	for ; rows.Next(); i++ {
		var idx, got int64
		if err := rows.Scan(&idx, &got); err != nil {
			t.Fatal(err)
		}
		if idx != i || got != i+1 {
			t.Fatalf("leaf at %d refers to %d; want every leaf sequenced in order (index %d, row %d)", idx, got, i, i+1)
		}
	}
	if i != ref {
		t.Errorf("%d leaves sequenced of %d", i, ref)
	}
	var left int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM log_hashes WHERE idx < 0`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d pending hashes left (%v)", left, err)
	}
}

// TestASubmissionWaitsForItsTurnToReadAndMayGiveUp fills PostgreSQL's read
// turns (as many as the pool holds beside the leaders and the sequencer)
// and checks that one more submission's check waits for a turn and answers
// CodeCanceled when its caller gives up meanwhile, without reading.
func TestASubmissionWaitsForItsTurnToReadAndMayGiveUp(t *testing.T) {
	b := newStatementBatches(dialectPostgres, Pool{MaxOpen: 16}.withDefaults(dialectPostgres), 32)
	if got, want := cap(b.readTurns), 16-cap(b.leaders)-1; got != want || want < 1 {
		t.Fatalf("%d read turns, want %d", got, want)
	}
	for range cap(b.readTurns) {
		b.readTurns <- struct{}{}
	}
	d := &DB{batches: b}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	caller := &medperf.User{ID: 1}
	_, _, err := d.checkSubmissionInTurn(ctx, caller, medperf.ResultInput{}, "")
	if medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("%v, want canceled", err)
	}
	if newStatementBatches(dialectSQLite, Pool{}, 8) != nil {
		t.Error("SQLite has statement batches")
	}
}
