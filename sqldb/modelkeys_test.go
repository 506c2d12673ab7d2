package sqldb_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/trust"
)

// TestModelKeyGrantRules checks every rule of a grant on both databases:
// who grants, to whom, what text is accepted, and that only the wrapped
// text is stored.
func TestModelKeyGrantRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		b, m := w.Benchmark.ID, w.Model.ID
		owner := medperf.WithCaller(ctx, &w.ModelOwner.User)
		grant := func(as medperf.User, in medperf.ModelKeyInput) error {
			_, err := db.GrantModelKey(medperf.WithCaller(ctx, &as), b, m, in)
			return err
		}
		someone := medperftest.Must[*trust.Identity](t)(trust.NewIdentity())
		t.Run("an unapproved model is a conflict", func(t *testing.T) {
			wantCode(t, grant(w.ModelOwner.User, medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: medperftest.MustWrap(t, someone)}), medperf.CodeConflict)
		})
		id := w.MustGrantable(t)
		in := medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: medperftest.MustWrap(t, id)}
		t.Run("only the model's owner grants", func(t *testing.T) {
			for _, u := range []medperftest.User{w.Admin, w.BenchmarkOwner, w.DataOwner, w.Stranger} {
				wantCode(t, grant(u.User, in), medperf.CodeForbidden)
			}
			_, err := db.GrantModelKey(ctx, b, m, in)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("bad ids are not found", func(t *testing.T) {
			_, err := db.GrantModelKey(owner, 999999, m, in)
			wantCode(t, err, medperf.CodeNotFound)
			_, err = db.GrantModelKey(owner, b, 999999, in)
			wantCode(t, err, medperf.CodeNotFound)
			_, err = db.GrantModelKey(owner, b, w.Evaluator.ID, in) // not a model
			wantCode(t, err, medperf.CodeNotFound)
		})
		t.Run("a user without an approved dataset is a conflict", func(t *testing.T) {
			medperftest.MustIdentity(t, w.Stranger)
			wantCode(t, grant(w.ModelOwner.User, medperf.ModelKeyInput{UserID: w.Stranger.ID, WrappedKey: in.WrappedKey}), medperf.CodeConflict)
			wantCode(t, grant(w.ModelOwner.User, medperf.ModelKeyInput{UserID: 999999, WrappedKey: in.WrappedKey}), medperf.CodeConflict)
		})
		t.Run("bad text is invalid", func(t *testing.T) {
			for name, text := range map[string]string{
				"empty":               "",
				"not age":             "the secret itself",
				"armor around junk":   medperf.WrappedKeyHeader + "\nAAAA\n-----END AGE ENCRYPTED FILE-----\n",
				"oversized":           medperf.WrappedKeyHeader + "\n" + strings.Repeat("A", medperf.MaxWrappedKey),
				"wrapped for another": medperftest.MustWrap(t, someone),
			} {
				err := grant(w.ModelOwner.User, medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: text})
				if medperf.ErrorCode(err) != medperf.CodeInvalid {
					t.Errorf("%s: %v, want invalid", name, err)
				}
			}
			wantCode(t, grant(w.ModelOwner.User, medperf.ModelKeyInput{WrappedKey: in.WrappedKey}), medperf.CodeInvalid)
		})
		k, err := db.GrantModelKey(owner, b, m, in)
		if err != nil {
			t.Fatal(err)
		}
		if k.WrappedKey != "" || len(k.Fingerprints) != 1 || k.Fingerprints[0] != id.Public().Fingerprint() || k.UserID != w.DataOwner.ID {
			t.Fatalf("grant %+v", k)
		}
		t.Run("the data owner reads its key, and it unwraps to the secret", func(t *testing.T) {
			got, err := db.GetModelKey(medperf.WithCaller(ctx, &w.DataOwner.User), b, m, w.DataOwner.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.WrappedKey != in.WrappedKey || strings.Contains(got.WrappedKey, string(medperftest.ModelSecret)) {
				t.Fatalf("stored text %q", got.WrappedKey)
			}
			secret, err := trust.UnwrapSecret([]byte(got.WrappedKey), id)
			if err != nil || !bytes.Equal(secret, medperftest.ModelSecret) {
				t.Fatalf("unwrapped %q, %v", secret, err)
			}
		})
		t.Run("nobody else reads it", func(t *testing.T) {
			for _, u := range []medperftest.User{w.Admin, w.ModelOwner, w.Stranger} {
				_, err := db.GetModelKey(medperf.WithCaller(ctx, &u.User), b, m, w.DataOwner.ID)
				wantCode(t, err, medperf.CodeForbidden)
			}
			_, err := db.GetModelKey(medperf.WithCaller(ctx, &w.Stranger.User), b, m, w.Stranger.ID)
			wantCode(t, err, medperf.CodeForbidden)
		})
		t.Run("check-access shows the owner everything, the data owner its own", func(t *testing.T) {
			a, err := db.ModelAccess(owner, b, m)
			if err != nil || !a.CanGrant || !a.ModelApproved || len(a.Grants) != 1 || len(a.Eligible) != 1 || !a.Eligible[0].Granted ||
				a.Eligible[0].Email != w.DataOwner.Email || len(a.Eligible[0].Keys) != 1 {
				t.Fatalf("owner's view %+v, %v", a, err)
			}
			mine, err := db.ModelAccess(medperf.WithCaller(ctx, &w.DataOwner.User), b, m)
			if err != nil || !mine.Granted || mine.CanGrant || len(mine.Grants) != 1 || mine.Eligible != nil {
				t.Fatalf("data owner's view %+v, %v", mine, err)
			}
			other, err := db.ModelAccess(medperf.WithCaller(ctx, &w.Stranger.User), b, m)
			if err != nil || other.Granted || len(other.Grants) != 0 || other.Eligible != nil {
				t.Fatalf("stranger's view %+v, %v", other, err)
			}
		})
		t.Run("a grant lapses with the dataset's association", func(t *testing.T) {
			medperftest.Must[*medperf.Association](t)(w.DataOwner.DecideAssociation(ctx, b, medperf.KindDataset, w.Dataset.ID,
				medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
			_, err := db.GetModelKey(medperf.WithCaller(ctx, &w.DataOwner.User), b, m, w.DataOwner.ID)
			wantCode(t, err, medperf.CodeForbidden)
		})
	})
}

// TestModelKeyRevokeDeleteAndAudit checks revocation, deletion and the
// auto-grant flag, that only the owner does them, and that each is an audit
// event the recipient sees and that never holds the wrapped text.
func TestModelKeyRevokeDeleteAndAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		b, m := w.Benchmark.ID, w.Model.ID
		owner := medperf.WithCaller(ctx, &w.ModelOwner.User)
		id := w.MustGrantable(t)
		k := w.MustGrant(t, id)
		again := w.MustGrant(t, id) // a second grant replaces the first
		if again.ID != k.ID {
			t.Fatalf("a second grant made row %d beside %d", again.ID, k.ID)
		}
		for _, u := range []medperftest.User{w.Admin, w.DataOwner, w.Stranger} {
			_, err := db.RevokeModelKey(medperf.WithCaller(ctx, &u.User), b, m, w.DataOwner.ID)
			wantCode(t, err, medperf.CodeForbidden)
			_, err = db.DeleteModelKeys(medperf.WithCaller(ctx, &u.User), b, m)
			wantCode(t, err, medperf.CodeForbidden)
			_, err = db.SetModelAccess(medperf.WithCaller(ctx, &u.User), b, m, medperf.ModelAccessPatch{AutoGrant: medperftest.Ptr(true)})
			wantCode(t, err, medperf.CodeForbidden)
		}
		if _, err := db.RevokeModelKey(owner, b, m, w.DataOwner.ID); err != nil {
			t.Fatal(err)
		}
		_, err := db.RevokeModelKey(owner, b, m, w.DataOwner.ID)
		wantCode(t, err, medperf.CodeNotFound)
		_, err = db.GetModelKey(medperf.WithCaller(ctx, &w.DataOwner.User), b, m, w.DataOwner.ID)
		wantCode(t, err, medperf.CodeForbidden)
		w.MustGrant(t, id)
		n, err := db.DeleteModelKeys(owner, b, m)
		if err != nil || n.Deleted != 1 {
			t.Fatalf("deleted %+v, %v", n, err)
		}
		if n, err := db.DeleteModelKeys(owner, b, m); err != nil || n.Deleted != 0 {
			t.Fatalf("deleted again %+v, %v", n, err)
		}
		_, err = db.SetModelAccess(owner, b, m, medperf.ModelAccessPatch{})
		wantCode(t, err, medperf.CodeInvalid)
		a, err := db.SetModelAccess(owner, b, m, medperf.ModelAccessPatch{AutoGrant: medperftest.Ptr(true)})
		if err != nil || !a.AutoGrant {
			t.Fatalf("access %+v, %v", a, err)
		}
		events, err := db.ListAudit(medperf.WithCaller(ctx, &w.DataOwner.User), medperf.AuditFilter{EntityType: "model_key"})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events.Items {
			actions = append(actions, e.Action)
			if strings.Contains(string(e.Changes), "AGE ENCRYPTED") {
				t.Fatalf("event %d holds the wrapped text: %s", e.ID, e.Changes)
			}
		}
		want := []string{medperf.ActionCreate, medperf.ActionUpdate, medperf.ActionRevoke, medperf.ActionCreate, medperf.ActionDelete}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Fatalf("the data owner's audit events %v, want %v", actions, want)
		}
	})
}
