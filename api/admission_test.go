package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// firstRead tells started when the handler first reads the body.
type firstRead struct {
	io.ReadCloser
	once    *sync.Once
	started chan struct{}
}

func (f firstRead) Read(p []byte) (int, error) {
	f.once.Do(func() { close(f.started) })
	return f.ReadCloser.Read(p)
}

// TestASlowBodyHoldsNoWriteSlot: a write whose client is still sending its
// body holds no place (the body is read before the wait), so the other
// writes are served; its own body, once complete, is decoded as sent.
func TestASlowBodyHoldsNoWriteSlot(t *testing.T) {
	svc := blockingService{entered: make(chan struct{}, 4), release: make(chan struct{})}
	close(svc.release)
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(svc, svc))
	h := medperftest.Must[*api.Handler](t)(api.New(api.Config{Service: svc, Leaderboards: boards, WriteSlots: 1, WriteWait: time.Millisecond}))
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Slow") != "" {
			r.Body = firstRead{ReadCloser: r.Body, once: new(sync.Once), started: started}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() }) // runs before srv.Close, which waits for the slow request
	req, _ := http.NewRequest("POST", srv.URL+api.Prefix+"/results", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Slow", "1")
	slow := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			slow <- nil
			return
		}
		resp.Body.Close()
		slow <- resp
	}()
	if _, err := pw.Write([]byte(`{`)); err != nil {
		t.Fatal(err)
	}
	<-started // the slow write is reading its body
	if r := submit(t, srv.URL); r == nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("a write while another's body was still arriving: %v; want 201", r)
	}
	pw.Write([]byte(`}`))
	pw.Close()
	if r := <-slow; r == nil || r.StatusCode != http.StatusCreated {
		t.Errorf("the slow write, once its body arrived: %v; want 201", r)
	}
}

// TestABufferedBodyOverTheLimitIs413: reading the body before the wait
// keeps the answer to a body over the limit (413 too_large, not a 500).
func TestABufferedBodyOverTheLimitIs413(t *testing.T) {
	svc := blockingService{entered: make(chan struct{}, 4), release: make(chan struct{})}
	close(svc.release)
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(svc, svc))
	h := medperftest.Must[*api.Handler](t)(api.New(api.Config{Service: svc, Leaderboards: boards, WriteSlots: 1, MaxBodyBytes: 16}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	got := call(t, "POST", srv.URL+api.Prefix+"/results", "", map[string]string{"name": strings.Repeat("x", 64)})
	if got.err.Code != medperf.CodeTooLarge {
		t.Errorf("status %d, code %q; want too_large", got.status, got.err.Code)
	}
	if got := call(t, "POST", srv.URL+api.Prefix+"/results", "", map[string]string{"name": "x"}); got.status != http.StatusCreated {
		t.Errorf("a body within the limit: status %d, error %+v; want 201", got.status, got.err)
	}
}
