// Package web is the dashboard that `medperf server` serves at "/": pages
// rendered on the server with html/template from embedded templates and
// one CSS file, usable without JavaScript. A user signs in with an API
// token and gets a server-side session (see session.go); every form
// carries the session's CSRF token; every response carries a strict
// Content-Security-Policy. Pages call the same medperf.Service as the API,
// with the signed-in user as the caller, so the dashboard enforces exactly
// the registry's permissions; errors become friendly pages with the
// status of their code.
package web

import (
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/wire"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/style.css
var styleCSS []byte

// DefaultSessionTTL is how long a session lasts when Config says nothing.
const DefaultSessionTTL = 12 * time.Hour

// Config configures a Handler.
type Config struct {
	// Service is the registry. Required.
	Service medperf.Service
	// Sessions keeps the dashboard's sessions (the store). Required.
	Sessions medperf.SessionService
	// Leaderboards builds leaderboards and result exports. Required.
	Leaderboards *leaderboard.Service
	// Log gives the transparency log's public key, shown on the trust
	// page (the store). Required.
	Log LogKeyService
	// Logger receives the details of internal errors; nil discards them.
	Logger *slog.Logger
	// SessionTTL is the lifetime of a session; 0 means DefaultSessionTTL.
	SessionTTL time.Duration
	// SignInLimiter slows down addresses whose sign-ins fail; nil means a
	// new auth.NewLimiter for this handler.
	SignInLimiter *auth.Limiter
}

// Handler serves the dashboard. Create it with New.
type Handler struct {
	cfg   Config
	mux   *http.ServeMux
	pages map[string]*template.Template
}

// New returns the dashboard for cfg, or a CodeInternal error naming the
// first required field that is missing (a wiring mistake).
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Service == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "web: Config.Service is required")
	case cfg.Sessions == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "web: Config.Sessions is required")
	case cfg.Leaderboards == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "web: Config.Leaderboards is required")
	case cfg.Log == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "web: Config.Log is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.SignInLimiter == nil {
		cfg.SignInLimiter = auth.NewLimiter()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), pages: parsePages()}
	h.routes()
	return h, nil
}

// ServeHTTP serves a dashboard request with the security headers set.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	h.recoverPanics(h.mux).ServeHTTP(w, r)
}

// recoverPanics turns a panic in next into a logged 500 page, so that one
// bad page (a chart fed values nobody foresaw) costs one request, not a
// dropped connection; the status goes through WriteHeader, so the
// server's request metrics count it as a 500. http.ErrAbortHandler is
// passed on: it is net/http's way to abort a response on purpose.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "dashboard handler panicked",
				slog.String("request_id", w.Header().Get(wire.RequestIDHeader)), slog.String("path", r.URL.Path),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			h.renderError(w, r, nil, medperf.Errorf(medperf.CodeInternal, "a page failed"))
		}()
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is sent with every response: nothing but this
// origin's own styles, images and forms; no scripts at all; no framing.
const ContentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; img-src 'self' data:; " +
	"style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
}

// Route is one route of the dashboard, for documentation and tests.
type Route struct {
	Method, Path string
}

// Routes lists every route the dashboard serves.
func Routes() []Route {
	var out []Route
	for _, r := range routeTable(&Handler{}) {
		out = append(out, Route{r.method, r.path})
	}
	return out
}
