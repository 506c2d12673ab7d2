package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/server"
)

func newServerCmd(e *env) *cobra.Command {
	var f config.ServerFlags
	var logFormat string
	c := &cobra.Command{
		Use:   "server",
		Short: "Run the medperf registry server",
		Long: "Run the registry: the web dashboard at /, the REST API under /api/v1, /healthz, /readyz and /metrics,\non one listener.\n" +
			"On first start with an empty database it creates the admin account and writes its token to\n" +
			"<data-dir>/admin.token (mode 0600), unless MEDPERF_ADMIN_TOKEN gives the token.\n" +
			"Settings: defaults < $MEDPERF_HOME/server.yaml (or --config) < MEDPERF_* environment < flags.\n" +
			"Stops gracefully on SIGINT or SIGTERM.",
		Args: cobra.NoArgs,
	}
	fl := c.Flags()
	fl.StringVar(&f.Addr, "addr", config.DefaultServerAddr, "address to listen on (env MEDPERF_ADDR)")
	fl.StringVar(&f.DataDir, "data-dir", "", "data directory (default $MEDPERF_HOME/server; env MEDPERF_DATA_DIR)")
	fl.StringVar(&f.DB, "db", "", "SQLite file or postgres:// URL (default <data-dir>/registry.db; env MEDPERF_DB)")
	fl.StringVar(&f.TLSCert, "tls-cert", "", "TLS certificate PEM file (env MEDPERF_TLS_CERT)")
	fl.StringVar(&f.TLSKey, "tls-key", "", "TLS private key PEM file (env MEDPERF_TLS_KEY)")
	fl.StringVar(&f.AdminEmail, "admin-email", config.DefaultAdminEmail, "email of the admin created on an empty database (env MEDPERF_ADMIN_EMAIL)")
	fl.StringVar(&f.LogKey, "log-key", "", "ed25519 OpenSSH private key that signs the transparency log (default <data-dir>/log_key, created at first start; env MEDPERF_LOG_KEY)")
	fl.StringVar(&f.PprofAddr, "pprof-addr", "", "serve Go's profiler on this loopback host:port (env MEDPERF_PPROF_ADDR)")
	fl.StringVar(&f.MetricsAccess, "metrics-access", config.MetricsPublic, "who may read /metrics: public or admin (env MEDPERF_METRICS_ACCESS)")
	fl.StringVar(&f.MemoryLimit, "memory-limit", config.DefaultMemoryLimit, "soft memory limit of the Go runtime, e.g. 512MiB, or off; GOMEMLIMIT wins when set (env MEDPERF_MEMORY_LIMIT)")
	fl.StringVar(&f.ConfigFile, "config", "", "configuration file (default $MEDPERF_HOME/server.yaml)")
	fl.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		f.Set = map[string]bool{}
		cmd.Flags().Visit(func(fl *pflagFlag) { f.Set[fl.Name] = true })
		cfg, err := config.LoadServer(os.Getenv, f)
		if err != nil {
			return err
		}
		buf := newLogBuffer(e.stderr, serverLogFlushEvery)
		defer buf.Close()
		logger, err := newLogger(buf, e, logFormat)
		if err != nil {
			return err
		}
		return runServer(cmd.Context(), e, cfg, logger)
	}
	return c
}

// newLogger returns the server's logger: lines go to buf, warnings and
// errors at once.
func newLogger(buf *logBuffer, e *env, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo} // a server logs its requests unless told otherwise
	if l, set, err := e.logLevel(); err != nil {
		return nil, err
	} else if set {
		opts.Level = l
	}
	switch format {
	case "text":
		return slog.New(flushingHandler{slog.NewTextHandler(buf, opts), buf}), nil
	case "json":
		return slog.New(flushingHandler{slog.NewJSONHandler(buf, opts), buf}), nil
	}
	return nil, medperf.FieldError("--log-format", "must be text or json, not %q", format)
}

// runServer serves until ctx ends (main cancels it on SIGINT or SIGTERM),
// then shuts down gracefully.
func runServer(ctx context.Context, e *env, cfg config.Server, logger *slog.Logger) error {
	cfg.Logger, cfg.Version = logger, buildVersion().Version
	limit, err := cfg.MemoryLimitBytes()
	if err != nil {
		return err
	}
	s, err := server.Open(ctx, cfg)
	if err != nil {
		return err
	}
	// Set once the server runs, so that a refused setting is the only
	// thing a failed start prints; put back when it stops.
	n, from, restore := server.ApplyMemoryLimit(limit, os.Getenv)
	defer restore()
	if from != "" {
		logger.Info("Go memory limit", "bytes", n, "set_by", from)
	}
	fmt.Fprintf(e.stdout, "medperf server listening on %s\n", s.URL())
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return s.Close()
	case err := <-s.Done():
		s.Close()
		if err != nil {
			return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the server stopped", Err: err}
		}
		return nil
	}
}
