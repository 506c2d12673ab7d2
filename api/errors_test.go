package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// wrappingService answers GetBenchmark with a *medperf.Error wrapped by
// fmt.Errorf, as a store or a middle layer may return it; every other
// method is unused by the test (calling one panics).
type wrappingService struct {
	medperf.Service
	medperf.LeaderboardScanner
}

// LeaderboardStamp answers like a store without the benchmark (the test's
// leaderboard is never read).
func (wrappingService) LeaderboardStamp(context.Context, int64) (medperf.LeaderboardStamp, error) {
	return medperf.LeaderboardStamp{}, medperf.Errorf(medperf.CodeNotFound, "no such benchmark")
}

func (wrappingService) GetBenchmark(context.Context, int64) (*medperf.Benchmark, error) {
	return nil, fmt.Errorf("loading the benchmark: %w", medperf.FieldError("benchmark.metrics", "is broken"))
}

// MustAPI serves the API over svc on 127.0.0.1 until the test ends.
func MustAPI(t *testing.T, svc wrappingService) string {
	t.Helper()
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(svc, svc))
	h := medperftest.Must[*api.Handler](t)(api.New(api.Config{Service: svc, Leaderboards: boards}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestAWrappedErrorKeepsItsCodeAndFieldOverHTTP(t *testing.T) {
	base := MustAPI(t, wrappingService{})
	t.Run("the error body holds the code and the field", func(t *testing.T) {
		got := call(t, "GET", base+"/api/v1/benchmarks/5", "", nil)
		if got.status != http.StatusBadRequest || got.err.Code != medperf.CodeInvalid || got.err.Field != "benchmark.metrics" {
			t.Fatalf("status %d, error %+v; want 400, invalid, field benchmark.metrics", got.status, got.err)
		}
	})
	t.Run("the client gets them back", func(t *testing.T) {
		c := medperftest.Must[*client.Client](t)(client.New(base, "", nil))
		_, err := c.GetBenchmark(ctx, 5)
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "benchmark.metrics" {
			t.Fatalf("error %#v; want invalid on benchmark.metrics", err)
		}
	})
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	svc := wrappingService{}
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(svc, svc))
	for _, tt := range []struct {
		name string
		cfg  api.Config
	}{
		{"without a service", api.Config{Leaderboards: boards}},
		{"without leaderboards", api.Config{Service: svc}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := api.New(tt.cfg)
			if h != nil || medperf.ErrorCode(err) != medperf.CodeInternal {
				t.Errorf("New = %v, %v; want a CodeInternal error", h, err)
			}
		})
	}
}
