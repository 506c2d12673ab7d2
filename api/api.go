// Package api is the registry's REST API under /api/v1: JSON in and out,
// bearer tokens, the one table from error codes to HTTP statuses (package wire),
// request bodies with a size limit and no unknown fields, paginated and
// filtered lists, and an OpenAPI 3 document at /api/v1/openapi.json. The
// handlers only translate HTTP to calls of medperf.Service, which enforces
// every rule; so the API, the dashboard and the tests see the same answers.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
	"github.com/medperf/medperf/leaderboard"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// DefaultMaxBodyBytes is the default limit of a request body: 1 MiB.
const DefaultMaxBodyBytes = 1 << 20

// Config configures a Handler.
type Config struct {
	// Service is the registry the handlers call. Required.
	Service medperf.Service
	// Logger receives the details of internal errors; nil discards them.
	Logger *slog.Logger
	// Version is what GET /api/v1/version reports.
	Version string
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Leaderboards builds leaderboards and result exports. Required.
	Leaderboards *leaderboard.Service
	// AuthLimiter slows down clients whose bearer tokens fail; nil means
	// a new auth.NewLimiter for this handler. The server may share one with
	// the dashboard's sign-in.
	AuthLimiter *auth.Limiter
	// PageCacheBytes bounds the memory of the encoded results pages the
	// handler keeps (see listPage): 0 means DefaultPageCacheBytes, a
	// negative value keeps none.
	PageCacheBytes int64
	// WriteSlots bounds the write requests (POST, PUT, PATCH, DELETE) the
	// handler works on at once; the others wait before their bodies are
	// read (see admission). 0 means no bound. The server sizes it from the
	// store's submission slots.
	WriteSlots int
	// WriteWait is how long a write request waits for one of WriteSlots
	// before it is answered 503 with Retry-After; 0 means DefaultWriteWait.
	WriteWait time.Duration
}

// Handler serves the API. Create it with New.
type Handler struct {
	cfg   Config
	mux   *http.ServeMux
	pages *pageCache
	admit *admission
}

// New returns the API handler for cfg, or a CodeInternal error naming the
// first required field that is missing (a wiring mistake).
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Service == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "api: Config.Service is required")
	case cfg.Leaderboards == nil:
		return nil, medperf.Errorf(medperf.CodeInternal, "api: Config.Leaderboards is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.AuthLimiter == nil {
		cfg.AuthLimiter = auth.NewLimiter()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), pages: newPageCache(cfg.PageCacheBytes),
		admit: newAdmission(cfg.WriteSlots, cfg.WriteWait)}
	for _, r := range h.routes() {
		h.mux.Handle(r.method+" "+Prefix+r.path, h.wrap(r.fn))
	}
	h.mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, medperf.Errorf(medperf.CodeNotFound, "no API route %s %s (see %s/openapi.json)", r.Method, r.URL.Path, Prefix))
	})
	return h, nil
}

// ServeHTTP routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// authenticate puts the user of the bearer token in the request's context.
// A request without an Authorization header stays anonymous (the service
// refuses what anonymous callers may not do); a bad token is refused here,
// and counted against the client's address: an address that failed too
// often is refused (CodeRateLimited) before its token is looked up.
func (h *Handler) authenticate(r *http.Request) (*http.Request, error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return r, nil
	}
	key := auth.AddressKey(r.RemoteAddr)
	if wait := h.cfg.AuthLimiter.Wait(key); wait > 0 {
		return r, rateLimited(wait)
	}
	u, err := h.cfg.Service.Authenticate(r.Context(), auth.Bearer(header))
	if medperf.ErrorCode(err) == medperf.CodeUnauthorized {
		h.cfg.AuthLimiter.Fail(key)
	}
	if err != nil {
		return r, err
	}
	return r.WithContext(medperf.WithCaller(r.Context(), u)), nil
}

// Route is one route of the API: a method and a path pattern under Prefix.
type Route struct {
	Method, Path string
}

// Routes lists every route the API serves, for documentation and tests.
func Routes() []Route {
	var out []Route
	for _, r := range (&Handler{}).routes() {
		out = append(out, Route{r.method, r.path})
	}
	return out
}

// endpoint handles one request: it returns the status and value to send
// as JSON, or an error.
type endpoint func(r *http.Request) (int, any, error)

type route struct {
	method, path string
	fn           endpoint
}

// wrap turns an endpoint into an http.Handler that authenticates the
// caller, limits the body, admits a write (see admission) and writes the result or the error.
func (h *Handler) wrap(fn endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r)
		r, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
		release, err := h.admit.admit(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		defer release()
		status, v, err := fn(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if d, ok := v.(download); ok {
			d.write(w, status)
			return
		}
		if p, ok := v.(*encodedPage); ok {
			p.write(w, r)
			return
		}
		writeJSON(w, status, v)
	})
}

// RequestInfo is shared between the server's middleware and the API for one
// request: the server sets ID (mentioned in error logs), the API fills Route
// with the matched route pattern (for metrics).
type RequestInfo struct {
	ID    string
	Route string
}

type requestInfoKey struct{}

// WithRequestInfo returns a context carrying info.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*RequestInfo); ok {
		return info.ID
	}
	return ""
}

// setRoute records the matched route pattern in the request's info.
func setRoute(r *http.Request) {
	if info, ok := r.Context().Value(requestInfoKey{}).(*RequestInfo); ok {
		info.Route = r.Pattern
	}
}
