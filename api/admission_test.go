package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
)

// blockingService holds every SubmitResult until release is closed, telling
// entered when one starts: the test's way to keep a write admitted.
type blockingService struct {
	wrappingService
	entered chan struct{}
	release chan struct{}
}

func (s blockingService) SubmitResult(ctx context.Context, in medperf.ResultInput) (*medperf.Result, bool, error) {
	s.entered <- struct{}{}
	<-s.release
	return &medperf.Result{}, true, nil
}

// submit posts a result body to base and returns the response (body closed).
func submit(t *testing.T, base string) *http.Response {
	t.Helper()
	resp, err := http.Post(base+api.Prefix+"/results", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Error(err)
		return nil
	}
	resp.Body.Close()
	return resp
}

// admissionAPI serves the API over a blockingService with one write slot
// and the given wait.
func admissionAPI(t *testing.T, wait time.Duration) (blockingService, string) {
	t.Helper()
	svc := blockingService{entered: make(chan struct{}, 4), release: make(chan struct{})}
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(svc, svc))
	h := medperftest.Must[*api.Handler](t)(api.New(api.Config{Service: svc, Leaderboards: boards, WriteSlots: 1, WriteWait: wait}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return svc, srv.URL
}

// TestWritesOverTheBoundWaitThen503: with every write slot taken, a write
// waits (it does not reach the service) and, when no slot frees within the
// wait, is answered 503 unavailable with Retry-After, never a 500; reads
// are not bounded.
func TestWritesOverTheBoundWaitThen503(t *testing.T) {
	svc, base := admissionAPI(t, time.Millisecond)
	first := make(chan *http.Response, 1)
	go func() { first <- submit(t, base) }()
	<-svc.entered // the one slot is held

	resp := submit(t, base)
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a write over the bound: %v; want 503 with Retry-After", resp)
	}
	select {
	case <-svc.entered:
		t.Fatal("a write refused for want of a slot reached the service")
	default:
	}
	if got := call(t, "GET", base+api.Prefix+"/version", "", nil); got.status != http.StatusOK {
		t.Errorf("a read while the writes are full: status %d, want 200", got.status)
	}
	close(svc.release)
	if r := <-first; r == nil || r.StatusCode != http.StatusCreated {
		t.Errorf("the admitted write: %v; want 201", r)
	}
	// The slot is free again: the next write is served.
	if r := submit(t, base); r == nil || r.StatusCode != http.StatusCreated {
		t.Errorf("a write after the slot was freed: %v; want 201", r)
	}
}

// TestWritesOverTheBoundAreServedWhenASlotFrees: a write that waits gets
// the slot freed by the one before it and is served (201, not 503): the
// wait here is longer than any test run.
func TestWritesOverTheBoundAreServedWhenASlotFrees(t *testing.T) {
	svc, base := admissionAPI(t, time.Hour)
	first := make(chan *http.Response, 1)
	go func() { first <- submit(t, base) }()
	<-svc.entered
	second := make(chan *http.Response, 1)
	go func() { second <- submit(t, base) }()
	select {
	case <-svc.entered:
		t.Fatal("a second write reached the service while the only slot was held")
	case r := <-second:
		t.Fatalf("a second write was answered (%v) while the only slot was held; want it to wait", r)
	case <-time.After(50 * time.Millisecond): // give it time to be wrongly admitted
	}
	close(svc.release)
	for i, ch := range []chan *http.Response{first, second} {
		if r := <-ch; r == nil || r.StatusCode != http.StatusCreated {
			t.Errorf("write %d: %v; want 201", i+1, r)
		}
	}
}
