package sqldb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestLeaderboardCacheFollowsEveryReplica runs two stores on one database,
// as two replicas do, each with its own leaderboard.Service and cache: a
// change written through one is in the next leaderboard of the other, and
// an unchanged benchmark is answered from the cache.
func TestLeaderboardCacheFollowsEveryReplica(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "registry.db")
			if dialect == "postgres" {
				dsn = medperftest.Require(t, medperftest.Postgres)
			}
			open := func() *sqldb.DB {
				db, err := sqldb.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			one, two := open(), open()
			now := time.Now()
			sqldb.SetViewClock(two, func() time.Time { return now })
			w := newWorld(t, one)
			svc := func(db *sqldb.DB) *leaderboard.Service {
				s, err := leaderboard.NewService(db, db)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			lbOne, lbTwo := svc(one), svc(two)
			owner := medperf.WithCaller(ctx, &w.BenchmarkOwner.User)
			cells := func(t *testing.T, s *leaderboard.Service) int {
				t.Helper()
				lb := medperftest.Must[*leaderboard.Leaderboard](t)(s.Leaderboard(owner, w.Benchmark.ID, ""))
				n := 0
				for _, b := range lb.Boards {
					for _, row := range b.Cells {
						for _, c := range row {
							if c.Value != nil {
								n++
							}
						}
					}
				}
				return n
			}
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
			if n := cells(t, lbTwo); n != 0 {
				t.Fatalf("%d cells before any result", n)
			}
			cells(t, lbTwo)
			if st := lbTwo.CacheStats(); st.Hits != 1 || st.Misses != 1 {
				t.Errorf("unchanged benchmark: %+v, want 1 hit and 1 miss", st)
			}
			listed := func(t *testing.T) int {
				t.Helper()
				l := medperftest.Must[*medperf.List[medperf.Result]](t)(two.ListResults(owner, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID}))
				return len(l.Items)
			}
			if n := listed(t); n != 0 {
				t.Fatalf("%d results listed before any", n)
			}
			listed(t) // cached now
			if _, _, err := w.DataOwner.SubmitResult(ctx, submission(w, w.ReferenceModel.ID, "")); err != nil {
				t.Fatal(err)
			}
			// Replica two may answer from its view of the benchmark for
			// up to ViewTTL after reading it, and no longer.
			now = now.Add(sqldb.ViewTTL)
			if n := listed(t); n != 1 {
				t.Errorf("replica two lists %d results %v after a submission through replica one, want 1 (a stale cached page)", n, sqldb.ViewTTL)
			}
			if n := cells(t, lbTwo); n != 1 {
				t.Errorf("replica two after a submission through replica one: %d cells, want 1", n)
			}
			cells(t, lbOne)
			medperftest.Must[*medperf.Association](t)(w.DataOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, w.Dataset.ID,
				medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
			if n := cells(t, lbOne); n != 0 {
				t.Errorf("after the dataset's withdrawal: %d cells, want 0", n)
			}
		})
	}
}
