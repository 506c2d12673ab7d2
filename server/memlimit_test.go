package server_test

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/medperf/medperf/server"
)

// TestApplyMemoryLimit: the flag's limit is set, and restore puts back the
// one before; GOMEMLIMIT, when set, wins and the runtime's limit is left as
// it is; 0 (off) removes the limit.
func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	noEnv := func(string) string { return "" }

	debug.SetMemoryLimit(500 << 20)
	got, from, restore := server.ApplyMemoryLimit(200<<20, noEnv)
	if got != 200<<20 || from != "--memory-limit" || debug.SetMemoryLimit(-1) != 200<<20 {
		t.Fatalf("flag: %d from %q, runtime %d; want 200 MiB from --memory-limit", got, from, debug.SetMemoryLimit(-1))
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != 500<<20 {
		t.Fatalf("after restore: runtime %d, want the 500 MiB before", got)
	}

	// GOMEMLIMIT was read by the runtime at start; stand in for it.
	debug.SetMemoryLimit(300 << 20)
	env := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "300MiB"
		}
		return ""
	}
	got, from, _ = server.ApplyMemoryLimit(200<<20, env)
	if got != 300<<20 || from != server.MemoryLimitFromEnv || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Fatalf("GOMEMLIMIT set: %d from %q, runtime %d; want 300 MiB from GOMEMLIMIT, untouched", got, from, debug.SetMemoryLimit(-1))
	}

	got, from, _ = server.ApplyMemoryLimit(0, noEnv)
	if got != math.MaxInt64 || from != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Fatalf("off: %d from %q, runtime %d; want no limit", got, from, debug.SetMemoryLimit(-1))
	}
}
