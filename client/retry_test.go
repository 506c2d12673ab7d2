package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

// flaky answers status the first fails requests, then 200/201 with a result.
func flaky(t *testing.T, fails int32, status int) (*Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= fails {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		json.NewEncoder(w).Encode(medperf.Result{Common: medperf.Common{ID: 1}})
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetRetry(RetryPolicy{Attempts: 4, Base: time.Millisecond, Max: 5 * time.Millisecond})
	return c, &calls
}

func TestClientRetriesIdempotentRequests(t *testing.T) {
	ctx := context.Background()
	submission := medperf.ResultInput{BenchmarkID: 1, ModelID: 2, DatasetID: 3, Metrics: json.RawMessage(`{"dice": 1}`)}
	for _, status := range []int{502, 503, 504} {
		t.Run(http.StatusText(status)+": a GET is retried until it succeeds", func(t *testing.T) {
			c, calls := flaky(t, 2, status)
			if _, err := c.GetResult(ctx, 1); err != nil || calls.Load() != 3 {
				t.Fatalf("%v after %d calls", err, calls.Load())
			}
		})
	}
	t.Run("a result submission with its idempotency key is retried", func(t *testing.T) {
		c, calls := flaky(t, 2, 503)
		in := submission
		in.IdempotencyKey = "k"
		if _, _, err := c.SubmitResult(ctx, in); err != nil || calls.Load() != 3 {
			t.Fatalf("%v after %d calls", err, calls.Load())
		}
	})
	t.Run("a submission without a key is not retried", func(t *testing.T) {
		c, calls := flaky(t, 2, 503)
		_, _, err := c.SubmitResult(ctx, submission)
		if medperf.ErrorCode(err) != medperf.CodeUnavailable || calls.Load() != 1 {
			t.Fatalf("%v after %d calls", err, calls.Load())
		}
	})
	t.Run("retries are bounded", func(t *testing.T) {
		c, calls := flaky(t, 100, 503)
		if _, err := c.GetResult(ctx, 1); medperf.ErrorCode(err) != medperf.CodeUnavailable || calls.Load() != 4 {
			t.Fatalf("%v after %d calls", err, calls.Load())
		}
	})
	t.Run("a 500 is not retried", func(t *testing.T) {
		c, calls := flaky(t, 2, 500)
		if _, err := c.GetResult(ctx, 1); err == nil || calls.Load() != 1 {
			t.Fatalf("%v after %d calls", err, calls.Load())
		}
	})
	t.Run("connection errors are retried, then reported as unavailable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		c, _ := New(url, "t", nil)
		c.SetRetry(RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: time.Millisecond})
		start := time.Now()
		if _, err := c.GetResult(ctx, 1); medperf.ErrorCode(err) != medperf.CodeUnavailable || time.Since(start) > 5*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("Retry-After is honoured up to the cap", func(t *testing.T) {
		p := RetryPolicy{Attempts: 2, Base: time.Millisecond, Max: 30 * time.Millisecond}
		start := time.Now()
		if err := p.wait(ctx, 1, "3600"); err != nil || time.Since(start) < 30*time.Millisecond || time.Since(start) > 2*time.Second {
			t.Fatalf("%v after %v", err, time.Since(start))
		}
	})
	t.Run("a canceled context ends the wait", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := DefaultRetry.wait(cctx, 5, "10"); medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatalf("%v", err)
		}
	})
}
