package api

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

// TestAdmitCanceledWhileWaiting: a write whose client goes away while it
// waits is CodeCanceled (408, never a 500) and takes no slot; reads and a
// handler without a bound are admitted at once.
func TestAdmitCanceledWhileWaiting(t *testing.T) {
	a := newAdmission(1, 0)
	if a.wait != DefaultWriteWait {
		t.Errorf("wait %v, want DefaultWriteWait", a.wait)
	}
	hold, err := a.admit(httptest.NewRequest("POST", "/api/v1/results", nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "PATCH", "/api/v1/results/1", nil)
	if _, err := a.admit(r); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Errorf("canceled while waiting: %v; want CodeCanceled", err)
	}
	if len(a.places) != 1 {
		t.Errorf("%d places taken after a canceled wait, want 1", len(a.places))
	}
	if release, err := a.admit(httptest.NewRequest("GET", "/api/v1/results", nil)); err != nil {
		t.Errorf("a read with the writes full: %v; want admitted", err)
	} else {
		release()
	}
	hold()
	if len(a.places) != 0 {
		t.Errorf("%d places taken after release, want 0", len(a.places))
	}
	var none *admission
	if newAdmission(0, 0) != nil {
		t.Error("newAdmission(0) bounds writes; want no bound")
	}
	if release, err := none.admit(httptest.NewRequest("DELETE", "/api/v1/keys/1", nil)); err != nil {
		t.Errorf("no bound: %v; want admitted", err)
	} else {
		release()
	}
}

// TestADeepQueueReleasesMemoryOnceWhenItEmpties: when deep requests waited
// at once, the last to leave the queue calls release, once; a queue that
// stayed shallow never does.
func TestADeepQueueReleasesMemoryOnceWhenItEmpties(t *testing.T) {
	a := newAdmission(1, 0)
	if a.deep != burstDepth || a.release == nil {
		t.Fatalf("deep %d, release set %v; want burstDepth and debug.FreeOSMemory", a.deep, a.release != nil)
	}
	released := make(chan struct{}, 10)
	a.deep, a.release = 3, func() { released <- struct{}{} }
	queue := func(n int) {
		t.Helper()
		hold, err := a.admit(httptest.NewRequest("POST", "/api/v1/results", nil))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				free, err := a.admit(httptest.NewRequest("POST", "/api/v1/results", nil))
				if err != nil {
					t.Error(err)
					return
				}
				free()
			}()
		}
		for deadline := time.Now().Add(5 * time.Second); a.waiting.Load() < int64(n); {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests waiting, want %d", a.waiting.Load(), n)
			}
			time.Sleep(time.Millisecond)
		}
		hold()
		wg.Wait()
	}
	queue(2)
	select {
	case <-released:
		t.Fatal("a queue of 2 (under deep) released memory")
	case <-time.After(50 * time.Millisecond):
	}
	queue(3)
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("a queue of 3 (deep) emptied without a release")
	}
	select {
	case <-released:
		t.Fatal("one burst released twice")
	case <-time.After(50 * time.Millisecond):
	}
	if a.waiting.Load() != 0 || a.burst.Load() {
		t.Errorf("after the burst: %d waiting, burst %v; want 0, false", a.waiting.Load(), a.burst.Load())
	}
}
