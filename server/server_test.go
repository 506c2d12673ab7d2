package server_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/server"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOperationsEndpoints(t *testing.T) {
	ts := medperftest.NewServer(t)
	t.Run("healthz answers ok", func(t *testing.T) {
		if code, _ := get(t, ts.URL()+"/healthz"); code != 200 {
			t.Fatal(code)
		}
	})
	t.Run("readyz answers ok while the database answers", func(t *testing.T) {
		if code, _ := get(t, ts.URL()+"/readyz"); code != 200 {
			t.Fatal(code)
		}
	})
	t.Run("version needs no token", func(t *testing.T) {
		code, body := get(t, ts.URL()+"/api/v1/version")
		if code != 200 || !strings.Contains(body, `"version":"test"`) {
			t.Fatal(code, body)
		}
	})
	t.Run("metrics count requests by route and status", func(t *testing.T) {
		get(t, ts.URL()+"/api/v1/benchmarks/1")
		_, body := get(t, ts.URL()+"/metrics")
		for _, want := range []string{
			`medperf_http_requests_total{route="GET /api/v1/version",status="200"} 1`,
			`medperf_http_requests_total{route="GET /api/v1/benchmarks/{id}",status="401"} 1`,
			`medperf_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"} 1`,
			"# TYPE medperf_http_requests_total counter",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q:\n%s", want, body)
			}
		}
	})
	t.Run("every response carries a request id", func(t *testing.T) {
		resp, err := http.Get(ts.URL() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(resp.Header.Get("X-Request-Id")) != 16 {
			t.Fatalf("X-Request-Id %q", resp.Header.Get("X-Request-Id"))
		}
	})
}

func TestAdminBootstrap(t *testing.T) {
	t.Run("the first start writes the admin token with mode 0600", func(t *testing.T) {
		ts := medperftest.NewServer(t)
		fi, err := os.Stat(filepath.Join(ts.DataDir, server.AdminTokenFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", fi.Mode().Perm())
		}
		if !ts.Admin.IsAdmin {
			t.Fatal("the bootstrap user is not an admin")
		}
	})
	t.Run("MEDPERF_ADMIN_TOKEN is used instead, and no file is written", func(t *testing.T) {
		dir := t.TempDir()
		token := auth.NewToken()
		s, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, AdminToken: token, Logger: discard()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := os.Stat(filepath.Join(dir, server.AdminTokenFile)); !os.IsNotExist(err) {
			t.Fatalf("admin.token exists: %v", err)
		}
		u, err := s.Store().Authenticate(context.Background(), token)
		if err != nil || !u.IsAdmin {
			t.Fatalf("%+v %v", u, err)
		}
	})
	t.Run("a malformed MEDPERF_ADMIN_TOKEN is refused", func(t *testing.T) {
		_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), AdminToken: "short", Logger: discard()})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a second start keeps the first admin", func(t *testing.T) {
		dir := t.TempDir()
		open := func() *server.Server {
			s, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, Logger: discard()})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		s := open()
		first, _ := os.ReadFile(filepath.Join(dir, server.AdminTokenFile))
		s.Close()
		s = open()
		defer s.Close()
		second, _ := os.ReadFile(filepath.Join(dir, server.AdminTokenFile))
		if string(first) != string(second) {
			t.Fatal("the admin token changed")
		}
		if _, err := s.Store().Authenticate(context.Background(), strings.TrimSpace(string(first))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a bad address is refused with a clear error", func(t *testing.T) {
		_, err := server.Open(context.Background(), server.Config{Addr: "256.0.0.1:99999", DataDir: t.TempDir(), Logger: discard()})
		if medperf.ErrorCode(err) != medperf.CodeUnavailable {
			t.Fatalf("%v", err)
		}
	})
}

func TestWorldThroughTheAPI(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	r, created, err := w.DataOwner.SubmitResult(context.Background(), medperf.ResultInput{
		BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.8), IdempotencyKey: "abc"})
	if err != nil || !created {
		t.Fatalf("%v %v", created, err)
	}
	again, created, err := w.DataOwner.SubmitResult(context.Background(), medperf.ResultInput{
		BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.8), IdempotencyKey: "abc"})
	if err != nil || created || again.ID != r.ID {
		t.Fatalf("retry: %v %v %+v", created, err, again)
	}
	if _, err := w.ModelOwner.GetResult(context.Background(), r.ID); err != nil {
		t.Fatalf("the model owner cannot see their result: %v", err)
	}
	_, err = w.Stranger.GetResult(context.Background(), r.ID)
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		t.Fatalf("stranger: %v", err)
	}
}

func TestReadyzFailsWhenTheDatabaseIsGone(t *testing.T) {
	ts := medperftest.NewServer(t)
	db, ok := ts.Store().(interface{ Close() error })
	if !ok {
		t.Fatal("the store cannot be closed")
	}
	db.Close()
	if code, _ := get(t, ts.URL()+"/readyz"); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz %d", code)
	}
	if code, _ := get(t, ts.URL()+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d", code)
	}
	resp := callStatus(t, ts.URL()+"/api/v1/me", ts.Admin.Token)
	if resp != http.StatusServiceUnavailable {
		t.Fatalf("me %d", resp)
	}
}

func callStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
