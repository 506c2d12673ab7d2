package server_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/server"
	"github.com/medperf/medperf/trust"
)

// TestLogKey checks that the server creates its log key at first start with
// mode 0600, keeps it across restarts, uses --log-key when given, and
// refuses a log key file that others can read.
func TestLogKey(t *testing.T) {
	open := func(t *testing.T, cfg server.Config) (*server.Server, error) {
		cfg.Addr, cfg.Logger = "127.0.0.1:0", discard()
		s, err := server.Open(context.Background(), cfg)
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	t.Run("created at first start, private, kept", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := open(t, server.Config{DataDir: dir}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, server.LogKeyFile)
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("log key %v, %v", fi, err)
		}
		first, err := trust.LoadIdentity(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := open(t, server.Config{DataDir: dir, DB: filepath.Join(t.TempDir(), "other.db")}); err != nil {
			t.Fatal(err)
		}
		again, err := trust.LoadIdentity(path)
		if err != nil || !again.Public().Equal(first.Public()) {
			t.Fatalf("the log key changed on restart (%v)", err)
		}
	})
	t.Run("--log-key is used", func(t *testing.T) {
		id, _ := trust.NewIdentity()
		path := filepath.Join(t.TempDir(), "k")
		if err := trust.SaveIdentity(path, id, "test"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := open(t, server.Config{DataDir: dir, LogKey: path}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, server.LogKeyFile)); !os.IsNotExist(err) {
			t.Fatalf("a log key was created although --log-key was given: %v", err)
		}
	})
	t.Run("a missing or readable --log-key is refused", func(t *testing.T) {
		_, err := open(t, server.Config{DataDir: t.TempDir(), LogKey: filepath.Join(t.TempDir(), "missing")})
		if medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Fatalf("missing key: %v", err)
		}
		id, _ := trust.NewIdentity()
		path := filepath.Join(t.TempDir(), "k")
		if err := trust.SaveIdentity(path, id, "test"); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, 0o644)
		_, err = open(t, server.Config{DataDir: t.TempDir(), LogKey: path})
		if medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("readable key: %v", err)
		}
	})
}
