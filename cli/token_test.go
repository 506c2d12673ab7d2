package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
)

// TestTokenCommands guards friction 15 of issue 13: token create, ls and
// revoke act on the caller's own tokens.
func TestTokenCommands(t *testing.T) {
	ts, _ := loggedInAsAdmin(t)
	code, out, errOut := runCLI(t, "token", "create", "--name", "laptop", "-o", "json")
	var tk createdToken
	if code != 0 || json.Unmarshal([]byte(out), &tk) != nil || tk.ID == 0 || !strings.HasPrefix(tk.Token, "mpt_") {
		t.Fatalf("create: exit %d, %q %q", code, out, errOut)
	}
	t.Run("the new token works", func(t *testing.T) {
		if _, err := ts.Client(t, tk.Token).Me(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ls lists it without its secret", func(t *testing.T) {
		code, out, _ := runCLI(t, "token", "ls")
		if code != 0 || !strings.Contains(out, "laptop") || strings.Contains(out, tk.Token) {
			t.Fatalf("exit %d: %s", code, out)
		}
	})
	t.Run("revoke makes it refused", func(t *testing.T) {
		if code, _, errOut := runCLI(t, "token", "revoke", id(tk.ID)); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if _, err := ts.Client(t, tk.Token).Me(t.Context()); medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatalf("revoked token: %v", err)
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"revoking twice is a conflict", []string{"token", "revoke", id(tk.ID)}, medperf.CodeConflict},
		{"revoking a non-id is a usage error", []string{"token", "revoke", "x"}, medperf.CodeInvalid},
		{"create without a name is a usage error", []string{"token", "create"}, medperf.CodeInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, errOut := runCLI(t, tt.args...); code != exitCodes[tt.code] {
				t.Fatalf("exit %d, want %d: %s", code, exitCodes[tt.code], errOut)
			}
		})
	}
}

func TestAdminUserLs(t *testing.T) {
	ts, _ := loggedInAsAdmin(t)
	w := ts.World(t)
	code, out, errOut := runCLI(t, "admin", "user", "ls", "-o", "json")
	var us []medperf.User
	if code != 0 || json.Unmarshal([]byte(out), &us) != nil || len(us) < 2 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	t.Run("a non-admin is forbidden", func(t *testing.T) {
		t.Setenv("MEDPERF_TOKEN", w.DataOwner.Token)
		if code, _, errOut := runCLI(t, "admin", "user", "ls"); code != exitCodes[medperf.CodeForbidden] {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// TestLogoutRevokes guards friction 15: logout revokes the token on the
// server when it is the caller's only live one, and forgets it locally even
// when the server does not answer.
func TestLogoutRevokes(t *testing.T) {
	ts, home := loggedInAsAdmin(t)
	newUser := func(t *testing.T, email string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "admin", "user", "add", "--email", email, "-o", "json")
		var u createdUser
		if code != 0 || json.Unmarshal([]byte(out), &u) != nil {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		return u.Token
	}
	login := func(t *testing.T, token string) {
		t.Helper()
		t.Setenv(config.HomeEnv, t.TempDir())
		if code, _, errOut := runCLI(t, "auth", "login", "--server", ts.URL(), "--token", token); code != 0 {
			t.Fatalf("login: %s", errOut)
		}
	}
	alice, bob, carol := newUser(t, "alice@h1"), newUser(t, "bob@h1"), newUser(t, "carol@h1")
	t.Run("the only live token is revoked", func(t *testing.T) {
		login(t, alice)
		code, _, errOut := runCLI(t, "auth", "logout")
		if code != 0 || !strings.Contains(errOut, "Revoked token") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if _, err := ts.Client(t, alice).Me(t.Context()); medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatalf("alice's token after logout: %v", err)
		}
	})
	t.Run("with several live tokens none is revoked, and it says so", func(t *testing.T) {
		login(t, bob)
		runCLI(t, "token", "create", "--name", "second")
		code, _, errOut := runCLI(t, "auth", "logout")
		if code != 0 || !strings.Contains(errOut, "token revoke") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if _, err := ts.Client(t, bob).Me(t.Context()); err != nil {
			t.Fatalf("bob's token was revoked: %v", err)
		}
	})
	t.Run("--keep-token keeps it", func(t *testing.T) {
		login(t, carol)
		if code, _, errOut := runCLI(t, "auth", "logout", "--keep-token"); code != 0 {
			t.Fatal(errOut)
		}
		if _, err := ts.Client(t, carol).Me(t.Context()); err != nil {
			t.Fatalf("carol's token was revoked: %v", err)
		}
	})
	t.Run("an unreachable server: forgotten locally, and it says so", func(t *testing.T) {
		t.Setenv(config.HomeEnv, t.TempDir())
		ps := &config.Profiles{}
		ps.Set(config.Profile{Server: "http://127.0.0.1:1", Token: carol})
		if err := ps.Save(os.Getenv(config.HomeEnv)); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runCLI(t, "auth", "logout")
		if code != 0 || !strings.Contains(errOut, "stays valid") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		p, _ := config.LoadProfiles(os.Getenv(config.HomeEnv))
		if len(p.Profiles) != 0 {
			t.Fatalf("profile kept: %+v", p)
		}
	})
	_ = home
}

// TestLogFlags guards friction 15: --verbose and --log-level on every
// command log requests to stderr, never the token, and leave stdout alone.
func TestLogFlags(t *testing.T) {
	ts, _ := loggedInAsAdmin(t)
	for _, flags := range [][]string{{"--verbose"}, {"--log-level", "debug"}} {
		t.Run(strings.Join(flags, " ")+" logs the request", func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"auth", "status", "-o", "json"}, flags...)...)
			if code != 0 || !strings.Contains(errOut, "path=/api/v1/me") || strings.Contains(errOut, ts.Admin.Token) {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if json.Unmarshal([]byte(out), &loginInfo{}) != nil {
				t.Fatalf("stdout is not JSON: %q", out)
			}
		})
	}
	t.Run("without them nothing is logged", func(t *testing.T) {
		if _, _, errOut := runCLI(t, "auth", "status"); errOut != "" {
			t.Fatalf("stderr %q", errOut)
		}
	})
	t.Run("a bad level is a usage error", func(t *testing.T) {
		if code, _, _ := runCLI(t, "auth", "status", "--log-level", "loud"); code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
}
