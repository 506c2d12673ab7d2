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
	"time"

	"github.com/medperf/medperf"
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
	// Sessions keeps sessions; nil means Service, which must then
	// implement medperf.SessionService (the store does).
	Sessions medperf.SessionService
	// Leaderboards computes leaderboards; nil means Service when it
	// implements medperf.LeaderboardService.
	Leaderboards medperf.LeaderboardService
	// Logger receives the details of internal errors; nil discards them.
	Logger *slog.Logger
	// SessionTTL is the lifetime of a session; 0 means DefaultSessionTTL.
	SessionTTL time.Duration
}

// Handler serves the dashboard. Create it with New.
type Handler struct {
	cfg      Config
	sessions medperf.SessionService
	mux      *http.ServeMux
	pages    map[string]*template.Template
}

// New returns the dashboard for cfg. It panics when cfg.Service is nil or
// no session service is available: that is a wiring mistake.
func New(cfg Config) *Handler {
	if cfg.Service == nil {
		panic("web: Config.Service is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	h := &Handler{cfg: cfg, sessions: cfg.Sessions, mux: http.NewServeMux(), pages: parsePages()}
	if h.sessions == nil {
		s, ok := cfg.Service.(medperf.SessionService)
		if !ok {
			panic("web: Config.Sessions is required when Service keeps no sessions")
		}
		h.sessions = s
	}
	h.routes()
	return h
}

// ServeHTTP serves a dashboard request with the security headers set.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	h.mux.ServeHTTP(w, r)
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
