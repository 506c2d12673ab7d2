package sqldb_test

import (
	"sync"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// TestLogUnderConcurrentWriters checks that concurrent writes each append
// one leaf and never fork the tree: afterwards the leaves rebuilt from the
// rows give the signed checkpoint's root, every inclusion proof checks,
// and the log is consistent with a checkpoint taken before.
func TestLogUnderConcurrentWriters(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		id, _ := trust.NewIdentity()
		if err := db.SetLogKey(id); err != nil {
			t.Fatal(err)
		}
		info, _ := db.LogKey(ctx)
		before := mustCheckpoint(t, db, info.VerifierKey)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, _ := trust.NewIdentity()
				_, err := db.RegisterKey(medperf.WithCaller(ctx, &w.Stranger.User), medperf.KeyInput{PublicKey: k.Public().AuthorizedKey()})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		after := mustCheckpoint(t, db, info.VerifierKey)
		if after.Size != before.Size+16 {
			t.Fatalf("size %d after 16 writes on %d", after.Size, before.Size)
		}
		leaves, err := db.LogLeaves(medperf.WithCaller(ctx, &w.Admin.User), 0, after.Size)
		if err != nil {
			t.Fatal(err)
		}
		var all [][]byte
		for _, l := range leaves {
			if l.Missing || l.Leaf == nil || trust.LeafHash(l.Leaf) != l.Hash {
				t.Fatalf("leaf %+v", l)
			}
			all = append(all, l.Leaf)
			p, err := db.LogInclusion(ctx, l.Index, after.Size)
			if err != nil || trust.VerifyInclusion(p.Hashes, l.Index, after.Size, after.Root, l.Leaf) != nil {
				t.Fatalf("inclusion of leaf %d: %v", l.Index, err)
			}
		}
		if root, _ := trust.RootOfLeaves(all); root != after.Root {
			t.Fatal("the leaves do not rebuild the checkpoint's root: the tree forked")
		}
		p, err := db.LogConsistency(ctx, before.Size, after.Size)
		if err != nil || trust.VerifyConsistency(p.Hashes, before.Size, before.Root, after.Size, after.Root) != nil {
			t.Fatalf("consistency: %v", err)
		}
		t.Run("bad ranges are invalid", func(t *testing.T) {
			_, err := db.LogInclusion(ctx, 0, after.Size+1)
			wantCode(t, err, medperf.CodeInvalid)
			_, err = db.LogConsistency(ctx, after.Size, 1)
			wantCode(t, err, medperf.CodeInvalid)
			_, err = db.LogLeaves(ctx, 0, 0)
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("anonymous callers get hashes, not bytes", func(t *testing.T) {
			leaves, err := db.LogLeaves(ctx, 0, 5)
			if err != nil || len(leaves) == 0 || leaves[0].Leaf != nil {
				t.Fatalf("%+v %v", leaves, err)
			}
		})
	})
}

func mustCheckpoint(t *testing.T, db *sqldb.DB, vkey string) trust.Checkpoint {
	t.Helper()
	sc, err := db.LogCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := trust.OpenCheckpoint([]byte(sc.Checkpoint), vkey)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}
