package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// TestKeysCreateLsRevoke runs the key commands against a real server: the
// private key is written 0600 and never sent, the public key is
// registered, listed and revoked; a second create reuses the file.
func TestKeysCreateLsRevoke(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	loggedInAs(t, ts, w.DataOwner.Token)
	code, out, errOut := runCLI(t, "keys", "create", "--name", "site-a", "-o", "json")
	if code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, errOut)
	}
	var k medperf.Key
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(os.Getenv(config.HomeEnv), config.KeyFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v, %v", fi, err)
	}
	id, err := trust.LoadIdentity(path)
	if err != nil || id.Public().Fingerprint() != k.Fingerprint || k.UserID != w.DataOwner.ID || k.Name != "site-a" {
		t.Fatalf("registered %+v for the key at %s (%v)", k, path, err)
	}
	priv, _ := os.ReadFile(path)
	if strings.Contains(out, string(priv[40:80])) {
		t.Fatal("the private key was printed")
	}
	t.Run("create again registers the same key once", func(t *testing.T) {
		code, out, errOut := runCLI(t, "keys", "create", "-o", "json")
		var again medperf.Key
		if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.ID != k.ID {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	})
	t.Run("ls lists it", func(t *testing.T) {
		code, out, _ := runCLI(t, "keys", "ls")
		if code != 0 || !strings.Contains(out, k.Fingerprint) {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	t.Run("revoke, twice", func(t *testing.T) {
		if code, _, errOut := runCLI(t, "keys", "revoke", "x"); code != ExitCode(medperf.Errorf(medperf.CodeInvalid, "")) {
			t.Fatalf("a bad id: exit %d: %s", code, errOut)
		}
		if code, _, errOut := runCLI(t, "keys", "revoke", jsonID(k.ID)); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if code, _, _ := runCLI(t, "keys", "revoke", jsonID(k.ID)); code != ExitCode(medperf.Errorf(medperf.CodeConflict, "")) {
			t.Fatalf("revoking twice: exit %d", code)
		}
		code, _, _ := runCLI(t, "keys", "create")
		if code != ExitCode(medperf.Errorf(medperf.CodeConflict, "")) {
			t.Fatalf("create with a revoked key file: exit %d", code)
		}
	})
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

// TestLoginPinsTheLogKey checks that the first login pins the server's log
// key and prints its fingerprint, a second login accepts the same key, and
// a login to a server whose key changed is refused.
func TestLoginPinsTheLogKey(t *testing.T) {
	ts := medperftest.NewServer(t)
	loggedInAs(t, ts, ts.Admin.Token)
	ps, err := config.LoadProfiles(os.Getenv(config.HomeEnv))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Get(ts.URL())
	info, err := ts.Client(t, "").LogKey(t.Context())
	if err != nil || p.LogKey != info.VerifierKey {
		t.Fatalf("pinned %q, server's %+v (%v)", p.LogKey, info, err)
	}
	code, _, errOut := runCLI(t, "auth", "login", "--server", ts.URL(), "--token", ts.Admin.Token)
	if code != 0 || !strings.Contains(errOut, info.Fingerprint) {
		t.Fatalf("second login: exit %d: %s", code, errOut)
	}
	p.LogKey = strings.Replace(p.LogKey, "medperf-log-", "medperf-log-0", 1)
	ps.Set(p)
	if err := ps.Save(os.Getenv(config.HomeEnv)); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "auth", "login", "--server", ts.URL(), "--token", ts.Admin.Token)
	if code != ExitCode(medperf.Errorf(medperf.CodeConflict, "")) || !strings.Contains(errOut, "LOG KEY CHANGED") {
		t.Fatalf("a changed key: exit %d: %s", code, errOut)
	}
}
