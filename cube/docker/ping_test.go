package docker

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// TestPingSaysCanceledWhenTheCallerGaveUp: a run interrupted while the
// engine is being reached is canceled (exit 130), not "no engine answers";
// an engine that is really absent is still unavailable.
func TestPingSaysCanceledWhenTheCallerGaveUp(t *testing.T) {
	rt, err := New("unix://"+filepath.Join(t.TempDir(), "no.sock"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := medperf.ErrorCode(rt.ping(ctx)); code != medperf.CodeCanceled {
		t.Errorf("canceled caller: %s, want canceled", code)
	}
	if code := medperf.ErrorCode(rt.ping(context.Background())); code != medperf.CodeUnavailable {
		t.Errorf("no engine: %s, want unavailable", code)
	}
}
