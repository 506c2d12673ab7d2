package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
	"github.com/medperf/medperf/server"
)

var adminToken = auth.NewToken()

func open(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	cfg.Addr, cfg.DataDir, cfg.AdminToken, cfg.Logger = "127.0.0.1:0", t.TempDir(), adminToken, discard()
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPrometheusMetrics(t *testing.T) {
	s := open(t, server.Config{})
	fetch(t, s.URL()+"/api/v1/benchmarks/1/leaderboard", adminToken)
	fetch(t, s.URL()+"/api/v1/results/77", adminToken)
	code, body := fetch(t, s.URL()+"/metrics", "")
	if code != 200 {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		`medperf_http_request_duration_seconds_bucket{route="GET /api/v1/results/{id}",le="+Inf"} 1`,
		"go_goroutines ", "process_resident_memory_bytes ",
		`medperf_db_open_connections{pool="write"}`, `medperf_db_max_open_connections{pool="read"}`,
		"medperf_leaderboard_cache_misses_total ", "medperf_leaderboard_cache_hits_total ",
		"medperf_db_submission_batches_total ", "medperf_db_batched_submissions_total ", "medperf_db_tables_analyzed_total 0",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "/results/77") {
		t.Error("a raw path is a label: routes must be patterns")
	}
}

// Issue 12, finding 16 (the /metrics part): an option to require a token.
func TestFinding16MetricsCanRequireAnAdminToken(t *testing.T) {
	s := open(t, server.Config{MetricsAccess: "admin"})
	if code, _ := fetch(t, s.URL()+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
	if code, _ := fetch(t, s.URL()+"/metrics", "not-a-token"); code != http.StatusUnauthorized {
		t.Errorf("with a bad token: %d, want 401", code)
	}
	if code, body := fetch(t, s.URL()+"/metrics", adminToken); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("with the admin's token: %d", code)
	}
	_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MetricsAccess: "everyone", Logger: discard()})
	if medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Errorf("an unknown access: %v, want invalid", err)
	}
}

func TestPprofIsLoopbackOnly(t *testing.T) {
	s := open(t, server.Config{PprofAddr: "127.0.0.1:0"})
	if s.PprofURL() == "" {
		t.Fatal("no profiler")
	}
	if code, body := fetch(t, s.PprofURL()+"goroutine?debug=1", ""); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("profiler: %d", code)
	}
	if code, body := fetch(t, s.URL()+"/debug/pprof/goroutine?debug=1", ""); code == 200 && strings.Contains(body, "goroutine profile") {
		t.Error("the profiler is served on the main listener")
	}
	for _, addr := range []string{":6060", "0.0.0.0:6060", "10.1.2.3:6060", "example.org:6060", "6060"} {
		t.Run(addr+" is refused", func(t *testing.T) {
			_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PprofAddr: addr, Logger: discard()})
			if e, ok := err.(*medperf.Error); !ok || e.Code != medperf.CodeInvalid || e.Field != "pprof-addr" {
				t.Errorf("%v, want invalid on pprof-addr", err)
			}
		})
	}
}
