package api_test

import (
	"testing"

	"github.com/medperf/medperf/medperftest"
)

// TestConcurrentRequests runs the concurrency check through HTTP, where an
// internal error would be a 500.
func TestConcurrentRequests(t *testing.T) {
	ts := medperftest.NewServer(t)
	medperftest.CheckConcurrentWrites(t, ts.World(t))
}
