// Package server wires the registry together: it opens the store, creates
// the first admin on an empty database, and serves the REST API, the
// dashboard, health, readiness and Prometheus metrics on one
// listener, with structured logs that carry a request id. The same Server
// runs in `medperf server`, in `medperf demo` and in tests.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/sqldb"
)

// Config configures a Server. Zero fields take the documented defaults.
type Config struct {
	// Addr is the TCP address to listen on; ":0" or "127.0.0.1:0" picks a
	// free port. Default "127.0.0.1:8000".
	Addr string
	// DataDir holds the SQLite database and admin.token. Required.
	DataDir string
	// DB is a SQLite file path or a postgres:// URL. Default
	// <DataDir>/registry.db.
	DB string
	// DBPool bounds the database connections; zero fields take the
	// defaults of sqldb.Pool.
	DBPool sqldb.Pool
	// TLSCert and TLSKey are PEM files; with both, the server speaks HTTPS.
	TLSCert, TLSKey string
	// AdminEmail is the email of the admin created on an empty database.
	// Default "admin@localhost".
	AdminEmail string
	// AdminToken, when set, is the admin's token instead of a fresh one (and
	// no admin.token file is written). From MEDPERF_ADMIN_TOKEN.
	AdminToken string
	// Logger receives structured logs. Default: text logs on stderr.
	Logger *slog.Logger
	// Version is reported by GET /api/v1/version.
	Version string
	// MaxBodyBytes limits request bodies. Default 1 MiB (api.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Root, when set, builds the handler served at "/" instead of the
	// dashboard of package web, over the same service as the API.
	Root func(svc medperf.Service) http.Handler
}

// AdminTokenFile is the name, in the data directory, of the file holding the
// first admin's token.
const AdminTokenFile = "admin.token"

// Server is a running registry. Create it with Open; stop it with Close.
type Server struct {
	cfg     Config
	store   *sqldb.DB
	ln      net.Listener
	http    *http.Server
	scheme  string
	metrics *metrics
	done    chan error
}

// Open opens the store, bootstraps the admin, and starts serving.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "data-dir", Message: "cannot create the data directory", Err: err}
	}
	store, err := sqldb.OpenPool(ctx, cfg.DB, cfg.DBPool)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, metrics: newMetrics(), done: make(chan error, 1)}
	if err := s.bootstrap(ctx); err != nil {
		store.Close()
		return nil, err
	}
	if err := s.listen(); err != nil {
		store.Close()
		return nil, err
	}
	go s.serve()
	cfg.Logger.Info("medperf server listening", "url", s.URL(), "db", store.Dialect())
	return s, nil
}

func (c *Config) defaults() error {
	if c.DataDir == "" {
		return medperf.FieldError("data-dir", "is required")
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8000"
	}
	if c.DB == "" {
		c.DB = filepath.Join(c.DataDir, "registry.db")
	}
	if c.AdminEmail == "" {
		c.AdminEmail = "admin@localhost"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return medperf.FieldError("tls-key", "--tls-cert and --tls-key go together: give both or neither")
	}
	return nil
}

// bootstrap creates the admin on an empty database and writes its token.
func (s *Server) bootstrap(ctx context.Context) error {
	token, created, err := s.store.BootstrapAdmin(ctx, s.cfg.AdminEmail, s.cfg.AdminToken)
	if err != nil || !created {
		return err
	}
	if s.cfg.AdminToken != "" {
		s.cfg.Logger.Info("created the admin account with the token of MEDPERF_ADMIN_TOKEN", "email", s.cfg.AdminEmail)
		return nil
	}
	path := filepath.Join(s.cfg.DataDir, AdminTokenFile)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Message: "cannot write the admin token file", Err: err}
	}
	s.cfg.Logger.Info("created the admin account; its API token is in the file", "email", s.cfg.AdminEmail, "path", path)
	return nil
}

func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Field: "addr", Message: fmt.Sprintf("cannot listen on %s", s.cfg.Addr), Err: err}
	}
	s.scheme = "http"
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return &medperf.Error{Code: medperf.CodeInvalid, Field: "tls-cert", Message: "cannot load the TLS certificate and key", Err: err}
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		s.scheme = "https"
	} else if !isLoopback(ln.Addr()) {
		s.cfg.Logger.Warn("serving plain HTTP on a non-loopback address: tokens cross the network in clear; use --tls-cert and --tls-key or a TLS proxy",
			"addr", ln.Addr().String())
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func (s *Server) serve() {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	s.done <- err
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return s.scheme + "://" + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Store returns the service the server runs, for in-process callers.
func (s *Server) Store() medperf.Service { return s.store }

// Done returns a channel that receives the serve loop's
// error (nil after Close) when the server stops.
func (s *Server) Done() <-chan error { return s.done }

// Close stops accepting requests, waits up to 10 seconds for those in
// flight, and closes the store.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	s.cfg.Logger.Info("medperf server stopped")
	return err
}
