package server

import (
	"math"
	"runtime/debug"
)

// MemoryLimitFromEnv is what ApplyMemoryLimit reports as the source of the
// limit when the GOMEMLIMIT environment variable set it.
const MemoryLimitFromEnv = "GOMEMLIMIT"

// ApplyMemoryLimit sets the Go runtime's soft memory limit of this process
// to limit bytes (config.Server.MemoryLimitBytes; 0: no limit), unless the
// GOMEMLIMIT environment variable is set: the runtime read it at start,
// and an operator who sets the runtime's own knob means it, so it wins
// and is left alone. It returns the limit in force (math.MaxInt64 when
// none), what set it (MemoryLimitFromEnv, "--memory-limit", or "" when
// nothing did) and the function that puts back the limit that was in
// force before, for a caller that runs the server inside a longer-lived
// process (a test of the command line).
//
// Why a default limit: without one the collector lets the heap grow to
// twice the live memory (GOGC=100) before it runs. Under a storm of
// thousands of parked submissions that headroom, not the live memory, is
// what pushes the process over its budget; with the limit the collector
// runs earlier when, and only when, the process nears it. It is soft: a
// live memory above it is not refused, it costs collector CPU (the
// runtime caps that at about half the CPU). It is process-wide, which is
// why `medperf server` calls it and server.Open does not (tests and the
// demo run servers inside other programs).
func ApplyMemoryLimit(limit int64, getenv func(string) string) (int64, string, func()) {
	before := debug.SetMemoryLimit(-1)
	restore := func() { debug.SetMemoryLimit(before) }
	if getenv(MemoryLimitFromEnv) != "" {
		return before, MemoryLimitFromEnv, restore
	}
	if limit <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		return math.MaxInt64, "", restore
	}
	debug.SetMemoryLimit(limit)
	return limit, "--memory-limit", restore
}
