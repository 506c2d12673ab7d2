package api

import (
	"bytes"
	"io"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/medperf/medperf"
)

// admission bounds how many write requests (POST, PUT, PATCH, DELETE) the
// API works on at once. A request over the bound waits for a place once its
// body is in memory and before it is decoded or handled: parked there, its
// goroutine's stack is shallow, where past that point the storm's thousands
// of waiting submissions held stacks grown inside the handlers and the
// store. The body is read before the wait so that a client that sends it
// slowly holds no place (the server's read timeout bounds it, as for any
// request). A request that gets no place within the wait is
// CodeUnavailable (503 with Retry-After), as when the store's own
// connections stay busy.
//
// When at least deep requests waited at once (a storm: thousands of
// parked requests, each with the HTTP server's connection buffers and two
// goroutines, and the heap the collector let grow around them), the
// last one to leave the queue calls release once, in its own goroutine:
// debug.FreeOSMemory, which returns that memory to the system at once
// instead of over the minutes the runtime's scavenger takes, so that a
// burst does not leave the process's RSS at its peak.
type admission struct {
	places chan struct{}
	wait   time.Duration
	// waiting counts the requests waiting for a place; burst is set when
	// it reached deep, and cleared by the release it triggers.
	waiting atomic.Int64
	burst   atomic.Bool
	deep    int64
	release func()
}

// burstDepth is admission.deep: 512 parked requests hold about 12 MB
// (see docs/performance.md, "Session 4: the storm's memory"), a burst
// worth one forced collection when it is over.
const burstDepth = 512

// newAdmission returns the admission for n requests at once, each waiting at
// most wait; nil (no bound) when n <= 0.
func newAdmission(n int, wait time.Duration) *admission {
	if n <= 0 {
		return nil
	}
	if wait <= 0 {
		wait = DefaultWriteWait
	}
	return &admission{places: make(chan struct{}, n), wait: wait, deep: burstDepth, release: debug.FreeOSMemory}
}

// DefaultWriteWait is how long a write request waits for admission when
// Config.WriteWait is 0: the store's default wait for a connection.
const DefaultWriteWait = 15 * time.Second

// isWrite reports whether r's method changes the registry.
func isWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// admit reads r's body into memory, waits for a place for r and returns
// the function that frees it. A nil admission or a read admits at once and
// leaves the body alone. A client that goes away while waiting gets
// CodeCanceled; no place within the wait is CodeUnavailable.
func (a *admission) admit(r *http.Request) (func(), error) {
	if a == nil || !isWrite(r) {
		return func() {}, nil
	}
	buffer(r)
	select {
	case a.places <- struct{}{}:
		return func() { <-a.places }, nil
	default:
	}
	if a.waiting.Add(1) >= a.deep {
		a.burst.Store(true)
	}
	defer a.leave()
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.places <- struct{}{}:
		return func() { <-a.places }, nil
	case <-r.Context().Done():
		return nil, &medperf.Error{Code: medperf.CodeCanceled, Message: "the request was canceled while it waited for its turn", Err: r.Context().Err()}
	case <-t.C:
		return nil, &medperf.Error{Code: medperf.CodeUnavailable,
			Message: "the registry is busy: too many write requests are waiting; retry in a few seconds"}
	}
}

// leave takes a request out of the queue; the last one out of a burst
// starts the release.
func (a *admission) leave() {
	if a.waiting.Add(-1) == 0 && a.burst.CompareAndSwap(true, false) {
		go a.release()
	}
}

// buffer replaces r's body by its content read into memory. A read that
// fails (a body over the limit, a client gone) is replayed to the handler:
// it reads what arrived and then the same error, so that its answer is the
// one it gives an unbuffered body.
func buffer(r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var rest io.Reader = bytes.NewReader(b)
	if err != nil {
		rest = io.MultiReader(rest, failingReader{err})
	}
	r.Body = bufferedBody{Reader: rest, Closer: r.Body}
}

// bufferedBody is a body read into memory; Close closes the original.
type bufferedBody struct {
	io.Reader
	io.Closer
}

// failingReader returns its error on every read.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
