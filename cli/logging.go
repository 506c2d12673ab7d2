package cli

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
)

// logFlags are --verbose and --log-level, persistent on the root so that
// every command has them. Logs go to stderr, never stdout (which holds the
// command's output, e.g. -o json), and never hold a token or a path of
// data: the client logs a request's method, API path (ids only), status and
// duration.
type logFlags struct {
	verbose bool
	level   string
}

// addLogFlags adds the persistent logging flags to root.
func addLogFlags(root *cobra.Command, e *env) {
	e.logs = &logFlags{}
	pf := root.PersistentFlags()
	pf.BoolVar(&e.logs.verbose, "verbose", false, "log what the command does to stderr (the same as --log-level debug)")
	pf.StringVar(&e.logs.level, "log-level", "", "log to stderr at this level and above: debug, info, warn or error (default: warn)")
}

// logLevel is the level the flags ask for, and whether they ask for one.
func (e *env) logLevel() (slog.Level, bool, error) {
	if e.logs == nil {
		return slog.LevelWarn, false, nil
	}
	if e.logs.level != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(strings.ToUpper(e.logs.level))); err != nil {
			return 0, false, medperf.FieldError("--log-level", "must be debug, info, warn or error, not %q", e.logs.level)
		}
		return l, true, nil
	}
	if e.logs.verbose {
		return slog.LevelDebug, true, nil
	}
	return slog.LevelWarn, false, nil
}

// logger is the command's logger on stderr, at the level of the flags.
func (e *env) logger() (*slog.Logger, error) {
	l, _, err := e.logLevel()
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l})), nil
}

// httpClient is the HTTP client of every request to the server: a
// 60-second timeout, and a debug log line per request.
func (e *env) httpClient() (*http.Client, error) {
	log, err := e.logger()
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: loggingTransport{base: http.DefaultTransport, log: log}}, nil
}

// loggingTransport logs each request: method, path, status, duration. The
// query is left out (it may carry search text) and so are all headers
// (the Authorization header carries the token).
type loggingTransport struct {
	base http.RoundTripper
	log  *slog.Logger
}

func (t loggingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	d := time.Since(start).Round(time.Millisecond)
	if err != nil {
		t.log.Debug("request failed", "method", r.Method, "host", r.URL.Host, "path", r.URL.Path, "duration", d, "error", err.Error())
		return resp, err
	}
	t.log.Debug("request", "method", r.Method, "host", r.URL.Host, "path", r.URL.Path, "status", resp.StatusCode, "duration", d)
	return resp, nil
}
