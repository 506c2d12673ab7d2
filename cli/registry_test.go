package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// loggedInAsAdmin starts a test server, points MEDPERF_HOME at a fresh
// directory and logs in there as the admin.
func loggedInAsAdmin(t *testing.T) (*medperftest.TestServer, string) {
	t.Helper()
	ts := medperftest.NewServer(t)
	home := t.TempDir()
	t.Setenv(config.HomeEnv, home)
	t.Setenv("MEDPERF_SERVER", "")
	t.Setenv("MEDPERF_TOKEN", "")
	code, _, errOut := runCLI(t, "auth", "login", "--server", ts.URL(), "--token", ts.Admin.Token)
	if code != 0 {
		t.Fatalf("login: exit %d: %s", code, errOut)
	}
	return ts, home
}

func TestAuthLoginStatusLogout(t *testing.T) {
	ts, home := loggedInAsAdmin(t)
	t.Run("login saves the profile with mode 0600", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(home, config.ProfilesFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%v %v", fi, err)
		}
	})
	t.Run("status shows the account", func(t *testing.T) {
		code, out, _ := runCLI(t, "auth", "status", "-o", "json")
		var info loginInfo
		if code != 0 || json.Unmarshal([]byte(out), &info) != nil || !info.IsAdmin || info.Server != ts.URL() {
			t.Fatalf("exit %d: %s", code, out)
		}
		if strings.Contains(out, ts.Admin.Token) {
			t.Fatal("status prints the token")
		}
	})
	t.Run("login with a bad token is refused and saves nothing", func(t *testing.T) {
		code, _, _ := runCLI(t, "auth", "login", "--server", ts.URL()+"/", "--token", "mpt_nope")
		if code != exitCodes[medperf.CodeUnauthorized] {
			t.Fatalf("exit %d", code)
		}
		p, _ := config.LoadProfiles(home)
		if len(p.Profiles) != 1 || p.Profiles[0].Token != ts.Admin.Token {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("login reads the token from stdin with --token -", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := Run([]string{"auth", "login", "--server", ts.URL(), "--token", "-", "-o", "json"}, strings.NewReader(ts.Admin.Token+"\n"), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), `"is_admin": true`) {
			t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
		}
	})
	t.Run("login to a server that does not answer is unavailable", func(t *testing.T) {
		code, _, _ := runCLI(t, "auth", "login", "--server", "http://127.0.0.1:1", "--token", ts.Admin.Token)
		if code != exitCodes[medperf.CodeUnavailable] {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("logout forgets the profile", func(t *testing.T) {
		if code, _, errOut := runCLI(t, "auth", "logout"); code != 0 {
			t.Fatal(errOut)
		}
		code, _, _ := runCLI(t, "auth", "status")
		if code != exitCodes[medperf.CodeUnauthorized] {
			t.Fatalf("exit %d", code)
		}
		code, _, _ = runCLI(t, "auth", "logout")
		if code != exitCodes[medperf.CodeNotFound] {
			t.Fatalf("exit %d", code)
		}
	})
}

func TestAdminUserAdd(t *testing.T) {
	ts, _ := loggedInAsAdmin(t)
	code, out, errOut := runCLI(t, "admin", "user", "add", "--email", "alice@example.org", "--name", "Alice", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var u createdUser
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.ID == 0 || u.Email != "alice@example.org" || u.Token == "" {
		t.Fatalf("%v: %s", err, out)
	}
	t.Run("the printed token works", func(t *testing.T) {
		me, err := ts.Client(t, u.Token).Me(t.Context())
		if err != nil || me.Email != "alice@example.org" || me.IsAdmin {
			t.Fatalf("%+v %v", me, err)
		}
	})
	t.Run("the same email again is a conflict", func(t *testing.T) {
		code, _, _ := runCLI(t, "admin", "user", "add", "--email", "alice@example.org")
		if code != exitCodes[medperf.CodeConflict] {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("a missing email is a usage error", func(t *testing.T) {
		code, _, _ := runCLI(t, "admin", "user", "add")
		if code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("a non-admin is forbidden", func(t *testing.T) {
		runCLI(t, "auth", "login", "--server", ts.URL(), "--token", u.Token)
		code, _, _ := runCLI(t, "admin", "user", "add", "--email", "bob@example.org")
		if code != exitCodes[medperf.CodeForbidden] {
			t.Fatalf("exit %d", code)
		}
	})
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu <- struct{}{}
	defer func() { <-s.mu }()
	return s.b.String()
}

func TestServerCommandStopsOnSIGTERM(t *testing.T) {
	t.Setenv(config.HomeEnv, t.TempDir())
	dir := t.TempDir()
	out := &syncBuffer{mu: make(chan struct{}, 1)}
	errOut := &syncBuffer{mu: make(chan struct{}, 1)}
	done := make(chan int, 1)
	// As cmd/medperf's main does: the signal context is built outside the
	// command, which installs no handler of its own.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		done <- RunContext(ctx, []string{"server", "--addr", "127.0.0.1:0", "--data-dir", dir, "--log-format", "json"}, strings.NewReader(""), out, errOut)
	}()
	url := ""
	re := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(20 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("the server did not start: %s", errOut.String())
	}
	resp, err := http.Get(url + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
	logs := errOut.String()
	if !strings.Contains(logs, filepath.Join(dir, "admin.token")) || !strings.Contains(logs, `"msg":"shutting down"`) {
		t.Fatalf("logs lack the token path or the shutdown:\n%s", logs)
	}
	token, _ := os.ReadFile(filepath.Join(dir, "admin.token"))
	if len(token) == 0 || strings.Contains(logs, strings.TrimSpace(string(token))) {
		t.Fatal("the admin token is missing or was logged")
	}
}

func TestServerCommandRefusesBadSettings(t *testing.T) {
	t.Setenv(config.HomeEnv, t.TempDir())
	tests := []struct {
		name string
		args []string
	}{
		{"a certificate without its key", []string{"server", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--tls-cert", "/nonexistent.pem"}},
		{"an unknown log format", []string{"server", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-format", "xml"}},
		{"a missing config file", []string{"server", "--config", "/nonexistent/server.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" exits with the usage status", func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != exitCodes[medperf.CodeInvalid] || !strings.HasPrefix(errOut, "medperf: ") {
				t.Fatalf("exit %d: %s", code, errOut)
			}
		})
	}
}
