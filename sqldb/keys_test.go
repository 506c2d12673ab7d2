package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// mustPublicKey returns a fresh identity's public key line.
func mustPublicKey(t *testing.T) (*trust.Identity, string) {
	t.Helper()
	id, err := trust.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id, id.Public().AuthorizedKey() + " site@example.org"
}

func TestKeysRegisterListRevoke(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		owner := medperf.WithCaller(ctx, &w.DataOwner.User)
		id, line := mustPublicKey(t)
		k, err := db.RegisterKey(owner, medperf.KeyInput{PublicKey: line, Name: "site"})
		if err != nil {
			t.Fatal(err)
		}
		if k.Fingerprint != id.Public().Fingerprint() || k.PublicKey != id.Public().AuthorizedKey() || k.UserID != w.DataOwner.ID {
			t.Fatalf("registered %+v", k)
		}
		t.Run("the same key twice is a conflict, also for another account", func(t *testing.T) {
			_, err := db.RegisterKey(medperf.WithCaller(ctx, &w.Stranger.User), medperf.KeyInput{PublicKey: id.Public().PEM()})
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("bad keys are invalid", func(t *testing.T) {
			for _, bad := range []string{"", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ", "garbage"} {
				_, err := db.RegisterKey(owner, medperf.KeyInput{PublicKey: bad})
				wantCode(t, err, medperf.CodeInvalid)
			}
		})
		t.Run("anonymous callers are refused", func(t *testing.T) {
			_, err := db.RegisterKey(ctx, medperf.KeyInput{PublicKey: line})
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("anyone signed in lists an account's keys", func(t *testing.T) {
			keys, err := db.ListKeys(medperf.WithCaller(ctx, &w.Stranger.User), w.DataOwner.ID)
			if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
				t.Fatalf("keys %+v, %v", keys, err)
			}
			mine, err := db.ListKeys(medperf.WithCaller(ctx, &w.Stranger.User), 0)
			if err != nil || len(mine) != 0 {
				t.Fatalf("the stranger's own keys %+v, %v", mine, err)
			}
		})
		t.Run("only the owner revokes, once", func(t *testing.T) {
			_, err := db.RevokeKey(medperf.WithCaller(ctx, &w.Stranger.User), k.ID)
			wantCode(t, err, medperf.CodeNotFound)
			r, err := db.RevokeKey(owner, k.ID)
			if err != nil || !r.Revoked() {
				t.Fatalf("revoke: %+v, %v", r, err)
			}
			_, err = db.RevokeKey(owner, k.ID)
			wantCode(t, err, medperf.CodeConflict)
			_, err = db.RevokeKey(owner, 9999)
			wantCode(t, err, medperf.CodeNotFound)
			keys, err := db.ListKeys(owner, 0)
			if err != nil || len(keys) != 1 || !keys[0].Revoked() {
				t.Fatalf("after revoking: %+v, %v", keys, err)
			}
		})
	})
}
