package sqldb_test

import (
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func TestUserCardShowsEmailsOnlyToRelatedUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		card := func(as medperftest.User, id int64) *medperf.UserCard {
			t.Helper()
			return medperftest.Must[*medperf.UserCard](t)(db.UserCard(medperf.WithCaller(ctx, &as.User), id))
		}
		t.Run("a stranger sees the name, not the email", func(t *testing.T) {
			if c := card(w.Stranger, w.DataOwner.ID); c.Name != w.DataOwner.Name || c.Email != "" {
				t.Errorf("card %+v", c)
			}
		})
		t.Run("users and admins see emails", func(t *testing.T) {
			if c := card(w.DataOwner, w.DataOwner.ID); c.Email != w.DataOwner.Email {
				t.Errorf("own card %+v", c)
			}
			if c := card(w.Admin, w.DataOwner.ID); c.Email != w.DataOwner.Email {
				t.Errorf("admin's view %+v", c)
			}
		})
		t.Run("a request to join relates the benchmark owner and the requester", func(t *testing.T) {
			if c := card(w.BenchmarkOwner, w.DataOwner.ID); c.Email != "" {
				t.Fatalf("email shown before any request: %+v", c)
			}
			medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset,
				medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
			if c := card(w.BenchmarkOwner, w.DataOwner.ID); c.Email != w.DataOwner.Email {
				t.Errorf("the benchmark owner's view of the requester %+v", c)
			}
			if c := card(w.DataOwner, w.BenchmarkOwner.ID); c.Email != w.BenchmarkOwner.Email {
				t.Errorf("the requester's view of the benchmark owner %+v", c)
			}
			if c := card(w.Stranger, w.DataOwner.ID); c.Email != "" {
				t.Errorf("a stranger's view %+v", c)
			}
		})
		t.Run("an unknown id is not found, no caller unauthorized", func(t *testing.T) {
			_, err := db.UserCard(medperf.WithCaller(ctx, &w.Stranger.User), 1<<40)
			wantCode(t, err, medperf.CodeNotFound)
			_, err = db.UserCard(ctx, w.Stranger.ID)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
	})
}

func TestAuditFilterByTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		all := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{}))
		if all.Total == 0 {
			t.Fatal("no events in the world")
		}
		first := all.Items[0].Time
		tests := []struct {
			name         string
			since, until time.Time
			want         int
		}{
			{"until the first event excludes it", time.Time{}, first, 0},
			{"since the first event includes all", first, time.Time{}, all.Total},
			{"a future window is empty", first.Add(time.Hour), first.Add(2 * time.Hour), 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{Since: tt.since, Until: tt.until}))
				if got.Total != tt.want {
					t.Errorf("%d events, want %d", got.Total, tt.want)
				}
			})
		}
	})
}
