package medperftest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/server"
)

// TestServer is a real registry server on 127.0.0.1 with a free port and a
// fresh database, stopped when the test ends.
type TestServer struct {
	*server.Server
	// DataDir is the server's data directory.
	DataDir string
	// Admin acts as the bootstrap admin, through a client.
	Admin User
}

// ServerOption changes the configuration of a test server.
type ServerOption func(*server.Config)

// WithPostgres runs the server on a fresh PostgreSQL database (see Require).
func WithPostgres(tb testing.TB) ServerOption {
	dsn := Require(tb, Postgres)
	return func(c *server.Config) { c.DB = dsn }
}

// NewServer starts a test server on a temporary SQLite database (unless an
// option says otherwise). Logs go to the test log when -v is given.
func NewServer(tb testing.TB, opts ...ServerOption) *TestServer {
	tb.Helper()
	dir := tb.TempDir()
	cfg := server.Config{Addr: "127.0.0.1:0", DataDir: dir, Version: "test", Logger: testLogger(tb)}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("starting the test server: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	token, err := os.ReadFile(filepath.Join(dir, server.AdminTokenFile))
	if err != nil {
		tb.Fatalf("reading the admin token: %v", err)
	}
	ts := &TestServer{Server: s, DataDir: dir}
	ts.Admin = ts.login(tb, strings.TrimSpace(string(token)))
	return ts
}

// login returns a User acting through a client holding token.
func (ts *TestServer) login(tb testing.TB, token string) User {
	tb.Helper()
	c := ts.Client(tb, token)
	u, err := c.Me(context.Background())
	if err != nil {
		tb.Fatalf("GET /me: %v", err)
	}
	return User{User: *u, Token: token, Service: c}
}

// Client returns a client of the server holding token ("" for none).
func (ts *TestServer) Client(tb testing.TB, token string) *client.Client {
	tb.Helper()
	c, err := client.New(ts.URL(), token, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// World builds a World on the server, every user acting through a client.
func (ts *TestServer) World(tb testing.TB) *World {
	tb.Helper()
	return NewWorld(tb, ts.Admin, func(cu *medperf.CreatedUser) medperf.Service {
		return ts.Client(tb, cu.Token)
	})
}

// testLogger logs to the test's log under -v, and nowhere otherwise. A
// fuzz test's server logs nowhere: its requests run inside the fuzz
// function, where logging through the *testing.F panics.
func testLogger(tb testing.TB) *slog.Logger {
	if _, fuzz := tb.(*testing.F); fuzz || !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tbWriter{tb}, nil))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = tbWriter{}
