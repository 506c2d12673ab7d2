package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/trust"
)

var ctx = context.Background()

func exitOf(code medperf.Code) int { return ExitCode(medperf.Errorf(code, "")) }

// writeSecret writes the model's secret to a file of its own and returns
// the path.
func writeSecret(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret.bin")
	if err := os.WriteFile(path, medperftest.ModelSecret, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newDataOwner adds to w a data owner with a dataset approved in the
// benchmark, and a registered key when withKey.
func newDataOwner(t *testing.T, w *medperftest.World, name string, withKey bool) medperftest.User {
	t.Helper()
	u := w.NewUser(t, name)
	d := medperftest.MustDataset(t, u, medperftest.DatasetInput(name, w.Preparator.ID, medperf.StateOperation))
	w.MustAssociate(t, medperf.KindDataset, u, d.ID)
	if withKey {
		medperftest.MustIdentity(t, u)
	}
	return u
}

func decodeRows(t *testing.T, out string) []grantRow {
	t.Helper()
	var rows []grantRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return rows
}

// TestModelGrantAccess runs the owner's commands against a real server: a
// grant goes to the approved data owner with a key and skips the one
// without, only after confirmation; the stored text is not the secret and
// the data owner's identity unwraps it; check-access, revoke-access and
// delete-keys show and undo it; bad input and other callers are refused.
func TestModelGrantAccess(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, m := jsonID(w.Benchmark.ID), jsonID(w.Model.ID)
	secretFile := writeSecret(t)
	loggedInAs(t, ts, w.ModelOwner.Token)
	grant := func(extra ...string) (int, string, string) {
		return runCLI(t, append([]string{"model", "grant-access", "-b", b, "-m", m, "--decryption-key", secretFile, "-o", "json"}, extra...)...)
	}
	if code, _, errOut := grant("-y"); code != exitOf(medperf.CodeConflict) {
		t.Fatalf("before the model is approved: exit %d: %s", code, errOut)
	}
	id := w.MustGrantable(t)
	keyless := newDataOwner(t, w, "keyless", false)

	t.Run("not confirmed, nothing is granted", func(t *testing.T) {
		code, _, errOut := grant()
		if code != exitOf(medperf.CodeCanceled) || !strings.Contains(errOut, w.DataOwner.Email) {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		a := medperftest.Must[*medperf.ModelAccess](t)(w.ModelOwner.ModelAccess(ctx, w.Benchmark.ID, w.Model.ID))
		if len(a.Grants) != 0 {
			t.Fatalf("granted without confirmation: %+v", a.Grants)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for name, args := range map[string][]string{
			"no benchmark":     {"model", "grant-access", "-m", m, "--decryption-key", secretFile},
			"an unknown email": {"model", "grant-access", "-b", b, "-m", m, "--decryption-key", secretFile, "--emails", "nobody@example.org", "-y"},
			"an empty secret":  {"model", "grant-access", "-b", b, "-m", m, "--decryption-key", os.DevNull, "-y"},
		} {
			if code, _, errOut := runCLI(t, args...); code != exitOf(medperf.CodeInvalid) {
				t.Errorf("%s: exit %d: %s", name, code, errOut)
			}
		}
		if code, _, errOut := runCLI(t, "model", "grant-access", "-b", b, "-m", m, "-y"); code != exitOf(medperf.CodeNotFound) || !strings.Contains(errOut, "--decryption-key") {
			t.Errorf("no secret: exit %d: %s", code, errOut)
		}
		// A copy an earlier medperf kept under a path without the server is
		// not used (it may be another server's container of that id), but
		// the message says where it is and where it would go.
		home, err := config.Home(os.Getenv)
		if err != nil {
			t.Fatal(err)
		}
		legacy := site.LegacyContainerKeyPath(home, w.Model.ID)
		os.MkdirAll(filepath.Dir(legacy), 0o700)
		if err := os.WriteFile(legacy, medperftest.ModelSecret, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(legacy)
		stored, _ := storedSecretPath(ts.URL(), w.Model.ID)
		code, _, errOut := runCLI(t, "model", "grant-access", "-b", b, "-m", m, "-y")
		if code != exitOf(medperf.CodeNotFound) || !strings.Contains(errOut, legacy) || !strings.Contains(errOut, stored) {
			t.Errorf("a legacy copy: exit %d: %s", code, errOut)
		}
	})

	code, out, errOut := grant("-y")
	if code != 0 {
		t.Fatalf("grant-access: exit %d: %s", code, errOut)
	}
	rows := decodeRows(t, out)
	if len(rows) != 2 || rows[0].UserID != keyless.ID || !strings.Contains(rows[0].Status, "medperf keys create") ||
		rows[1].UserID != w.DataOwner.ID || rows[1].Status != "granted" || rows[1].Fingerprints[0] != id.Public().Fingerprint() {
		t.Fatalf("rows %+v", rows)
	}
	if !strings.Contains(errOut, keyless.Email) || !strings.Contains(errOut, "medperf keys create") {
		t.Fatalf("the keyless data owner is not reported as skipped: %s", errOut)
	}
	t.Run("the registry holds wrapped text only, which the data owner's identity opens", func(t *testing.T) {
		k := medperftest.Must[*medperf.ModelKey](t)(w.DataOwner.GetModelKey(ctx, w.Benchmark.ID, w.Model.ID, w.DataOwner.ID))
		if strings.Contains(k.WrappedKey, string(medperftest.ModelSecret)) || !strings.HasPrefix(k.WrappedKey, medperf.WrappedKeyHeader) {
			t.Fatalf("stored %q", k.WrappedKey)
		}
		secret, err := trust.UnwrapSecret([]byte(k.WrappedKey), id)
		if err != nil || !bytes.Equal(secret, medperftest.ModelSecret) {
			t.Fatalf("unwrapped %q, %v", secret, err)
		}
	})
	t.Run("MedPerf's spelling, with --allowed_emails", func(t *testing.T) {
		code, out, errOut := runCLI(t, "model", "grant_access", "-b", b, "-m", m, "--decryption-key", secretFile, "--allowed_emails", w.DataOwner.Email, "-y", "-o", "json")
		if rows := decodeRows(t, out); code != 0 || len(rows) != 1 || rows[0].UserID != w.DataOwner.ID {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	})
	t.Run("check-access as the owner", func(t *testing.T) {
		code, out, _ := runCLI(t, "container", "check-access", "-b", b, "-m", m)
		if code != 0 || !strings.Contains(out, w.DataOwner.Email) || !strings.Contains(out, "no registered key") || !strings.Contains(out, "auto-grant: off") {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	t.Run("another user may not grant", func(t *testing.T) {
		loggedInAs(t, ts, w.Stranger.Token)
		if code, _, errOut := grant("-y"); code != exitOf(medperf.CodeForbidden) {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("check-access as the data owner", func(t *testing.T) {
		loggedInAs(t, ts, w.DataOwner.Token)
		code, out, _ := runCLI(t, "model", "check_access", "-b", b, "-m", m, "-o", "json")
		var a medperf.ModelAccess
		if code != 0 || json.Unmarshal([]byte(out), &a) != nil || !a.Granted || a.CanGrant || a.Eligible != nil {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	loggedInAs(t, ts, w.ModelOwner.Token)
	t.Run("revoke-access", func(t *testing.T) {
		if code, _, _ := runCLI(t, "model", "revoke-access", "-b", b, "-m", m); code != exitOf(medperf.CodeInvalid) {
			t.Fatalf("without --emails: exit %d", code)
		}
		if code, _, _ := runCLI(t, "model", "revoke-access", "-b", b, "-m", m, "--emails", keyless.Email); code != exitOf(medperf.CodeNotFound) {
			t.Fatalf("a user without a grant: exit %d", code)
		}
		code, out, errOut := runCLI(t, "model", "revoke_user_access", "-b", b, "-m", m, "--emails", w.DataOwner.Email, "-o", "json")
		if rows := decodeRows(t, out); code != 0 || len(rows) != 1 || rows[0].Status != "revoked" {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		_, err := w.DataOwner.GetModelKey(ctx, w.Benchmark.ID, w.Model.ID, w.DataOwner.ID)
		if medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("after revocation: %v", err)
		}
	})
	t.Run("delete-keys", func(t *testing.T) {
		if code, _, errOut := grant("-y"); code != 0 {
			t.Fatalf("grant again: exit %d: %s", code, errOut)
		}
		if code, _, _ := runCLI(t, "model", "delete-keys", "-b", b, "-m", m); code != exitOf(medperf.CodeCanceled) {
			t.Fatalf("unconfirmed: exit %d", code)
		}
		code, out, errOut := runCLI(t, "container", "delete_keys", "-b", b, "-m", m, "-y", "-o", "json")
		var d medperf.DeletedKeys
		if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.Deleted != 1 {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	})
	t.Run("the stored copy of the secret is used without --decryption-key", func(t *testing.T) {
		path, err := storedSecretPath(ts.URL(), w.Model.ID)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(path), 0o700)
		if err := os.WriteFile(path, medperftest.ModelSecret, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI(t, "model", "grant-access", "-b", b, "-m", m, "-y"); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// TestAutoGrantAccess checks that auto-grant-access sets the flag, grants
// the data owners without a grant, keeps granting those who join until
// interrupted (exit status 130), refuses --interval without -y, and that
// --disable turns the flag off.
func TestAutoGrantAccess(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, m := jsonID(w.Benchmark.ID), jsonID(w.Model.ID)
	secretFile := writeSecret(t)
	w.MustGrantable(t)
	loggedInAs(t, ts, w.ModelOwner.Token)
	args := []string{"model", "auto-grant-access", "-b", b, "-m", m, "--decryption-key", secretFile}
	if code, _, _ := runCLI(t, append(args, "--interval", "1s")...); code != exitOf(medperf.CodeInvalid) {
		t.Fatalf("--interval without -y: exit %d", code)
	}
	granted := func(u int64) bool {
		a := medperftest.Must[*medperf.ModelAccess](t)(w.ModelOwner.ModelAccess(ctx, w.Benchmark.ID, w.Model.ID))
		for _, g := range a.Grants {
			if g.UserID == u {
				return a.AutoGrant
			}
		}
		return false
	}
	wait := func(u int64) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !granted(u); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("user %d got no key", u)
			}
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan int, 1)
	var out, errOut bytes.Buffer
	go func() {
		done <- RunContext(runCtx, append(args, "--interval", "1s", "-y"), strings.NewReader(""), &out, &errOut)
	}()
	wait(w.DataOwner.ID)
	late := newDataOwner(t, w, "late", true)
	wait(late.ID)
	cancel()
	select {
	case code := <-done:
		if code != exitOf(medperf.CodeCanceled) {
			t.Fatalf("interrupted: exit %d: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("auto-grant-access did not stop when interrupted")
	}
	code, stdout, _ := runCLI(t, "model", "auto_grant_access", "-b", b, "-m", m, "--disable", "-o", "json")
	var a medperf.ModelAccess
	if code != 0 || json.Unmarshal([]byte(stdout), &a) != nil || a.AutoGrant {
		t.Fatalf("--disable: exit %d: %s", code, stdout)
	}
}

// TestSiteModelKeys checks the site's key source: a data owner without a
// grant is refused with CodeForbidden, one with a grant gets the secret
// unwrapped with the identity in MEDPERF_HOME, a site whose key is not the
// one wrapped for is refused, and an owner's stored copy is used as is.
func TestSiteModelKeys(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	id := w.MustGrantable(t)
	loggedInAs(t, ts, w.DataOwner.Token)
	keyFile := filepath.Join(os.Getenv(config.HomeEnv), config.KeyFile)
	os.MkdirAll(filepath.Dir(keyFile), 0o700)
	if err := trust.SaveIdentity(keyFile, id, "test"); err != nil {
		t.Fatal(err)
	}
	keys := siteModelKeys(ts.Client(t, w.DataOwner.Token))
	if _, err := keys(ctx, w.Benchmark.ID, *w.Model); medperf.ErrorCode(err) != medperf.CodeForbidden {
		t.Fatalf("without a grant: %v", err)
	}
	w.MustGrant(t, id)
	secret, err := keys(ctx, w.Benchmark.ID, *w.Model)
	if err != nil || !bytes.Equal(secret, medperftest.ModelSecret) {
		t.Fatalf("with a grant: %q, %v", secret, err)
	}
	t.Run("another site key", func(t *testing.T) {
		other := medperftest.Must[*trust.Identity](t)(trust.NewIdentity())
		os.Remove(keyFile)
		os.Remove(keyFile + ".pub")
		if err := trust.SaveIdentity(keyFile, other, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := keys(ctx, w.Benchmark.ID, *w.Model); medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("%v", err)
		}
		os.Remove(keyFile)
		os.Remove(keyFile + ".pub")
		if _, err := keys(ctx, w.Benchmark.ID, *w.Model); medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("no key at all: %v", err)
		}
		if err := trust.SaveIdentity(keyFile, id, "test"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another user, or another benchmark", func(t *testing.T) {
		if _, err := siteModelKeys(ts.Client(t, w.Stranger.Token))(ctx, w.Benchmark.ID, *w.Model); medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("stranger: %v", err)
		}
		if _, err := siteModelKeys(ts.Client(t, w.DataOwner.Token))(ctx, 999999, *w.Model); medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Fatalf("no such benchmark: %v", err)
		}
		if _, err := siteModelKeys(ts.Client(t, w.DataOwner.Token))(ctx, 0, *w.Model); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("outside a benchmark: %v", err)
		}
	})
	t.Run("the owner's stored copy", func(t *testing.T) {
		path, _ := storedSecretPath(ts.URL(), w.Model.ID)
		os.MkdirAll(filepath.Dir(path), 0o700)
		os.WriteFile(path, []byte("owner's own"), 0o600)
		secret, err := siteModelKeys(ts.Client(t, w.Stranger.Token))(ctx, w.Benchmark.ID, *w.Model)
		if err != nil || string(secret) != "owner's own" {
			t.Fatalf("%q, %v", secret, err)
		}
	})
}
