package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/web"
	"github.com/medperf/medperf/wire"
)

// readyTimeout bounds a readiness check: a store slower than this is not
// ready.
const readyTimeout = 2 * time.Second

// handler builds the mux: the API under /api/v1, operations endpoints, and
// the dashboard at / (Config.Root, or package web); all behind the request
// middleware. Every dependency of api and web is passed here, explicitly:
// the store is the registry, the session keeper and the leaderboards' data.
func (s *Server) handler() (http.Handler, error) {
	boards, err := leaderboard.NewService(s.store, s.store)
	if err != nil {
		return nil, err
	}
	apiHandler, err := api.New(api.Config{Service: s.store, Leaderboards: boards, Logger: s.cfg.Logger,
		Version: s.cfg.Version, MaxBodyBytes: s.cfg.MaxBodyBytes,
		WriteSlots: s.store.SubmissionSlots(), WriteWait: s.store.WriteWait()})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(api.Prefix+"/", apiHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		// A real round trip and a write probe, bounded: a store that
		// cannot write (a full disk, a lost database) is not ready.
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.store.Ready(ctx); err != nil {
			s.cfg.Logger.Warn("not ready", "error", err)
			writeStatus(w, http.StatusServiceUnavailable, "not ready: "+medperf.ErrorMessage(err))
			return
		}
		writeStatus(w, http.StatusOK, "ok")
	})
	s.metrics.watchStore(s.store.PoolStats)
	s.metrics.watchSubmissions(s.store.SubmissionWrites)
	s.metrics.watchAnalyzes(s.store.TablesAnalyzed)
	s.metrics.watchLeaderboards(boards)
	s.metrics.watchPages(apiHandler.PageCacheStats)
	var admin func(*http.Request) bool
	if s.cfg.MetricsAccess == config.MetricsAdmin {
		admin = s.isAdmin
	}
	mux.Handle("GET /metrics", s.metrics.handler(admin))
	if s.cfg.Root != nil {
		mux.Handle("/", s.cfg.Root(s.store))
	} else {
		dashboard, err := web.New(web.Config{Service: s.store, Sessions: s.store, Leaderboards: boards, Log: s.store, Logger: s.cfg.Logger})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", dashboard)
	}
	return s.observe(mux), nil
}

func writeStatus(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe gives each request an id (X-Request-Id), logs it, and counts it
// in the metrics by route pattern and status. Query strings, bodies and
// headers are never logged: they may hold tokens.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set(wire.RequestIDHeader, id)
		info := &api.RequestInfo{ID: id}
		r = r.WithContext(api.WithRequestInfo(r.Context(), info))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := info.Route
		if route == "" {
			route = r.Pattern
		}
		if route == "" || route == api.Prefix+"/" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, rec.status, elapsed)
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.String("route", route), slog.Int("status", rec.status), slog.Duration("duration", elapsed))
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
