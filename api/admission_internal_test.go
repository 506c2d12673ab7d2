package api

import (
	"context"
	"net/http/httptest"
	"testing"

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
