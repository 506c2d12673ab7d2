package sqldb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestRevokedTokenIsRefused checks the token cache: a token revoked
// through this store is refused at once, and one revoked through another
// store on the same database (another replica) within one second.
func TestRevokedTokenIsRefused(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "registry.db")
			if dialect == "postgres" {
				dsn = medperftest.Require(t, medperftest.Postgres)
			}
			here, there := mustOpenDSN(t, dsn), mustOpenDSN(t, dsn)
			w := newWorld(t, here)
			user := w.DataOwner
			for _, c := range []struct {
				name    string
				revoker *sqldb.DB
				within  time.Duration
			}{{"through this store at once", here, 0}, {"through another replica within a second", there, time.Second}} {
				t.Run(c.name, func(t *testing.T) {
					tok, err := user.CreateToken(ctx, "cached")
					if err != nil {
						t.Fatal(err)
					}
					if _, err := here.Authenticate(ctx, tok.Secret); err != nil {
						t.Fatalf("a fresh token is refused: %v", err)
					}
					if _, err := there.Authenticate(ctx, tok.Secret); err != nil {
						t.Fatalf("a fresh token is refused by the other replica: %v", err)
					}
					if err := c.revoker.RevokeToken(medperf.WithCaller(ctx, &user.User), tok.ID); err != nil {
						t.Fatal(err)
					}
					deadline := time.Now().Add(c.within)
					for {
						_, err := here.Authenticate(ctx, tok.Secret)
						if medperf.ErrorCode(err) == medperf.CodeUnauthorized {
							break
						}
						if time.Now().After(deadline) {
							t.Fatalf("the revoked token still authenticates after %s (%v)", c.within, err)
						}
						time.Sleep(20 * time.Millisecond)
					}
				})
			}
		})
	}
}

func mustOpenDSN(t *testing.T, dsn string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
