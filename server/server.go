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
	"syscall"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/sqldb"
)

// Config configures a Server: it is config.Server, the one server
// configuration type, whose fields document their units and defaults and
// whose WithDefaults is the one place those defaults are applied.
// `medperf server`, `medperf demo` and tests all fill it.
type Config = config.Server

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
	pprof   *http.Server
	pprofLn net.Listener
}

// Open binds the listener, then opens the store, bootstraps the admin, and
// starts serving. Binding comes first so that a taken port (or a bad
// certificate) fails before anything is created: no data directory, no
// database, no admin token. A taken address is CodeConflict.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, metrics: newMetrics(), done: make(chan error, 1)}
	if err := s.listen(); err != nil {
		return nil, err
	}
	if err := s.startPprof(); err != nil {
		s.ln.Close()
		return nil, err
	}
	if err := s.openStore(ctx); err != nil {
		s.ln.Close()
		s.stopPprof()
		return nil, err
	}
	go s.serve()
	cfg.Logger.Info("medperf server listening", "url", s.URL(), "db", s.store.Dialect())
	return s, nil
}

// openStore creates the data directory, opens the store, loads (or at first
// start creates) the transparency log's key, bootstraps the admin and builds
// the handler.
func (s *Server) openStore(ctx context.Context) error {
	if err := os.MkdirAll(s.cfg.DataDir, 0o700); err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "data-dir", Message: "cannot create the data directory", Err: err}
	}
	store, err := sqldb.OpenPool(ctx, s.cfg.DB, sqldb.Pool{MaxOpen: s.cfg.DBMaxConns, Wait: s.cfg.DBWait})
	if err != nil {
		return err
	}
	store.SetContainerCheck(checkContainer)
	s.store = store
	if err := s.useLogKey(); err != nil {
		store.Close()
		return err
	}
	if err := s.bootstrap(ctx); err != nil {
		store.Close()
		return err
	}
	if err := s.serveHTTP(); err != nil {
		store.Close()
		return err
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
		return listenError(s.cfg.Addr, err)
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
	return nil
}

// serveHTTP builds the handler over the open store.
func (s *Server) serveHTTP() error {
	handler, err := s.handler()
	if err != nil {
		return err
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	return nil
}

// listenError says why addr cannot be listened on, and what to do: a taken
// port (CodeConflict) names --addr; anything else (a port below 1024 without
// the right, an address not of this machine) is CodeUnavailable.
func listenError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "addr",
			Message: fmt.Sprintf("%s is already in use (another medperf server or another program listens there): stop it, or pick another address with --addr (or MEDPERF_ADDR), e.g. --addr 127.0.0.1:0 for any free port", addr),
			Err:     err}
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Field: "addr", Message: fmt.Sprintf("cannot listen on %s: give another address with --addr (or MEDPERF_ADDR)", addr), Err: err}
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
	if s.pprof != nil {
		s.pprof.Close()
	}
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	s.cfg.Logger.Info("medperf server stopped")
	return err
}
