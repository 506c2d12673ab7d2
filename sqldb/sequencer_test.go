package sqldb_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// openReplicas opens two stores on one fresh database, as two replicas of
// the registry would, each with its own sequencer, both signing with id.
func openReplicas(t *testing.T, dialect string, id *trust.Identity) (*sqldb.DB, *sqldb.DB) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "registry.db")
	if dialect == "postgres" {
		dsn = medperftest.Require(t, medperftest.Postgres)
	}
	var dbs [2]*sqldb.DB
	for i := range dbs {
		db, err := sqldb.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.SetLogKey(id); err != nil {
			t.Fatal(err)
		}
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// TestLogStaysConsistentUnderConcurrentWrites races submissions and key
// registrations through two replicas, while checkpoints are taken through
// both, and then checks the whole history: every checkpoint taken during
// the writes is a prefix of the final tree (consistency proofs), every
// leaf's inclusion proof checks, the leaves rebuilt from the rows give the
// final root, and every audit event is in the log exactly once.
func TestLogStaysConsistentUnderConcurrentWrites(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			id, _ := trust.NewIdentity()
			db, replica := openReplicas(t, dialect, id)
			w := newWorld(t, db)
			models := racingModels(t, w, 12)
			info, _ := db.LogKey(ctx)
			owner := medperftest.AsCaller(replica, &w.DataOwner.User)

			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for i, m := range models {
				via := w.DataOwner.Service
				if i%2 == 1 {
					via = owner
				}
				wg.Add(2)
				go func() {
					defer wg.Done()
					_, _, err := via.SubmitResult(ctx, submission(w, m, fmt.Sprintf("log-%d", i)))
					errs <- err
				}()
				go func() {
					defer wg.Done()
					k, _ := trust.NewIdentity()
					_, err := via.RegisterKey(ctx, medperf.KeyInput{PublicKey: k.Public().AuthorizedKey()})
					errs <- err
				}()
			}
			stop, done := make(chan struct{}), make(chan error, 1)
			var seen []trust.Checkpoint
			go func() {
				for i := 0; ; i++ {
					from := []*sqldb.DB{db, replica}[i%2]
					sc, err := from.LogCheckpoint(ctx)
					if err != nil {
						done <- err
						return
					}
					cp, err := trust.OpenCheckpoint([]byte(sc.Checkpoint), info.VerifierKey)
					if err != nil {
						done <- err
						return
					}
					seen = append(seen, cp)
					select {
					case <-stop:
						done <- nil
						return
					default:
					}
				}
			}()
			wg.Wait()
			close(stop)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(seen) < 2 {
				t.Logf("only %d checkpoints were taken during the writes", len(seen))
			}
			final := mustCheckpoint(t, replica, info.VerifierKey)
			checkHistory(t, db, &w.Admin.User, final, seen)
			events, err := w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: medperf.Page{Limit: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if int64(events.Total) != final.Size {
				t.Errorf("the log has %d leaves for %d audit events (no signed results)", final.Size, events.Total)
			}
		})
	}
}

// checkHistory checks the final checkpoint against its leaves and every
// earlier checkpoint against it.
func checkHistory(t *testing.T, db *sqldb.DB, admin *medperf.User, final trust.Checkpoint, seen []trust.Checkpoint) {
	t.Helper()
	as := medperf.WithCaller(ctx, admin)
	var all [][]byte
	refs := map[string]bool{}
	for start := int64(0); start < final.Size; start += sqldb.MaxLeavesPage {
		leaves, err := db.LogLeaves(as, start, min(sqldb.MaxLeavesPage, final.Size-start))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leaves {
			if l.Index != int64(len(all)) || l.Missing || l.Leaf == nil || trust.LeafHash(l.Leaf) != l.Hash {
				t.Fatalf("leaf %d: %+v", len(all), l)
			}
			ref := fmt.Sprint(l.Kind, l.RefID)
			if refs[ref] {
				t.Fatalf("%s is in the log twice", ref)
			}
			refs[ref] = true
			all = append(all, l.Leaf)
		}
	}
	if root, _ := trust.RootOfLeaves(all); root != final.Root || int64(len(all)) != final.Size {
		t.Fatal("the leaves do not rebuild the final checkpoint: the tree forked")
	}
	for i, l := range all {
		p, err := db.LogInclusion(ctx, int64(i), final.Size)
		if err != nil || trust.VerifyInclusion(p.Hashes, int64(i), final.Size, final.Root, l) != nil {
			t.Fatalf("inclusion of leaf %d: %v", i, err)
		}
	}
	for _, cp := range seen {
		p, err := db.LogConsistency(ctx, cp.Size, final.Size)
		if err != nil || trust.VerifyConsistency(p.Hashes, cp.Size, cp.Root, final.Size, final.Root) != nil {
			t.Fatalf("the checkpoint of size %d is not a prefix of the final one: %v", cp.Size, err)
		}
	}
}
