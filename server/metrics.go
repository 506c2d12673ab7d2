package server

import (
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/leaderboard"
)

// metrics holds the server's Prometheus registry: its own (not the
// process-wide default), so that several servers in one test process keep
// separate counts.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	durations *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "medperf_http_requests_total", Help: "HTTP requests served, by route pattern and status.",
		}, []string{"route", "status"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "medperf_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route pattern.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.registry.MustRegister(m.requests, m.durations,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe counts one request. route is a pattern ("GET /api/v1/results/{id}"),
// never a raw path, so the number of series stays bounded.
func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.durations.WithLabelValues(route).Observe(d.Seconds())
}

// watchStore exports the database pools' statistics, read when scraped.
func (m *metrics) watchStore(stats func() map[string]sql.DBStats) {
	gauge := func(name, help string, v func(sql.DBStats) float64) {
		for pool := range stats() {
			m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: name, Help: help, ConstLabels: prometheus.Labels{"pool": pool},
			}, func() float64 { return v(stats()[pool]) }))
		}
	}
	gauge("medperf_db_open_connections", "Open database connections, by pool.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) })
	gauge("medperf_db_in_use_connections", "Database connections in use, by pool.", func(s sql.DBStats) float64 { return float64(s.InUse) })
	gauge("medperf_db_idle_connections", "Idle database connections, by pool.", func(s sql.DBStats) float64 { return float64(s.Idle) })
	gauge("medperf_db_max_open_connections", "The bound of each database pool.", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) })
	gauge("medperf_db_wait_count", "Connections waited for, since start, by pool.", func(s sql.DBStats) float64 { return float64(s.WaitCount) })
	gauge("medperf_db_wait_seconds", "Time spent waiting for connections, since start, by pool.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() })
}

// watchSubmissions exports how the store batched the result submissions'
// writes.
func (m *metrics) watchSubmissions(writes func() (int64, int64)) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_db_submission_batches_total",
			Help: "Statements (PostgreSQL) or transactions (SQLite) that wrote result submissions in batches."},
			func() float64 { n, _ := writes(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_db_batched_submissions_total",
			Help: "Result submissions written in those batches; divided by the batches, the average batch."},
			func() float64 { _, n := writes(); return float64(n) }))
}

// watchAnalyzes exports how many tables the store analyzed itself
// (sqldb.DB.TablesAnalyzed).
func (m *metrics) watchAnalyzes(analyzed func() int64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_db_tables_analyzed_total",
		Help: "Tables this replica analyzed because they held twice the rows of their last analyze (PostgreSQL)."},
		func() float64 { return float64(analyzed()) }))
}

// watchLeaderboards exports the leaderboard cache's hits and misses.
func (m *metrics) watchLeaderboards(boards *leaderboard.Service) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_leaderboard_cache_hits_total",
			Help: "Leaderboards answered from the cache."}, func() float64 { return float64(boards.CacheStats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_leaderboard_cache_misses_total",
			Help: "Leaderboards built because the cache had no current one."}, func() float64 { return float64(boards.CacheStats().Misses) }),
	)
}

// watchPages exports the API's encoded results-page cache: hits, misses
// and the bytes it holds (bounded by api.Config.PageCacheBytes).
func (m *metrics) watchPages(stats func() api.PageCacheStats) {
	m.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_results_page_cache_hits_total",
			Help: "Results pages answered with bytes encoded earlier."}, func() float64 { return float64(stats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "medperf_results_page_cache_misses_total",
			Help: "Results pages that could be cached but had to be encoded."}, func() float64 { return float64(stats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "medperf_results_page_cache_bytes",
			Help: "Bytes of encoded results pages held in memory."}, func() float64 { return float64(stats().Bytes) }),
	)
}

// handler serves the exposition; with admin set it first asks for an
// admin's bearer token (Config.MetricsAccess "admin").
func (m *metrics) handler(admin func(*http.Request) bool) http.Handler {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	if admin == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !admin(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="medperf metrics"`)
			writeStatus(w, http.StatusUnauthorized, "/metrics needs an admin's API token (metrics_access is admin): send Authorization: Bearer TOKEN")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isAdmin reports whether r carries the bearer token of an admin account.
func (s *Server) isAdmin(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return false
	}
	u, err := s.store.Authenticate(r.Context(), token)
	return err == nil && u != nil && u.IsAdmin
}
