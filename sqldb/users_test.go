package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func TestUsersAndTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		t.Run("a user's first token authenticates them", func(t *testing.T) {
			u, err := db.Authenticate(ctx, w.Stranger.Token)
			if err != nil || u.ID != w.Stranger.ID || u.IsAdmin {
				t.Fatalf("Authenticate = %+v, %v", u, err)
			}
		})
		t.Run("an unknown or malformed token is unauthorized", func(t *testing.T) {
			for _, tok := range []string{"", "nope", "mpt_" + medperftest.Hash("x")[:43], "' OR 1=1 --"} {
				_, err := db.Authenticate(ctx, tok)
				wantCode(t, err, medperf.CodeUnauthorized)
			}
		})
		t.Run("a revoked token stops working and cannot be revoked twice", func(t *testing.T) {
			nt := medperftest.Must[*medperf.NewToken](t)(w.Stranger.CreateToken(ctx, "laptop"))
			if _, err := db.Authenticate(ctx, nt.Secret); err != nil {
				t.Fatal(err)
			}
			if err := w.Stranger.RevokeToken(ctx, nt.ID); err != nil {
				t.Fatal(err)
			}
			_, err := db.Authenticate(ctx, nt.Secret)
			wantCode(t, err, medperf.CodeUnauthorized)
			wantCode(t, w.Stranger.RevokeToken(ctx, nt.ID), medperf.CodeConflict)
		})
		t.Run("another user's token is not found", func(t *testing.T) {
			nt := medperftest.Must[*medperf.NewToken](t)(w.Stranger.CreateToken(ctx, "x"))
			wantCode(t, w.DataOwner.RevokeToken(ctx, nt.ID), medperf.CodeNotFound)
		})
		t.Run("only an admin creates users", func(t *testing.T) {
			_, err := w.Stranger.CreateUser(ctx, medperf.NewUser{Email: "x@example.org"})
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("a duplicate email is a conflict", func(t *testing.T) {
			_, err := w.Admin.CreateUser(ctx, medperf.NewUser{Email: w.Stranger.Email})
			wantCode(t, err, medperf.CodeConflict)
		})
		t.Run("a bad email is invalid", func(t *testing.T) {
			_, err := w.Admin.CreateUser(ctx, medperf.NewUser{Email: "Robert'); DROP TABLE users;--"})
			wantCode(t, err, medperf.CodeInvalid)
		})
		t.Run("bootstrap does nothing once users exist", func(t *testing.T) {
			tok, created, err := db.BootstrapAdmin(ctx, "other@example.org", "")
			if err != nil || created || tok != "" {
				t.Fatalf("BootstrapAdmin = %q, %v, %v", tok, created, err)
			}
		})
		t.Run("users read themselves; only admins list", func(t *testing.T) {
			if _, err := w.Stranger.GetUser(ctx, w.Stranger.ID); err != nil {
				t.Fatal(err)
			}
			_, err := w.Stranger.GetUser(ctx, w.DataOwner.ID)
			wantCode(t, err, medperf.CodeNotFound)
			_, err = w.Stranger.ListUsers(ctx, medperf.Page{})
			wantCode(t, err, medperf.CodeForbidden)
			l := medperftest.Must[*medperf.List[medperf.User]](t)(w.Admin.ListUsers(ctx, medperf.Page{Limit: 2}))
			if l.Total != 5 || len(l.Items) != 2 {
				t.Fatalf("total %d, %d items", l.Total, len(l.Items))
			}
		})
	})
}
