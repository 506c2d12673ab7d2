package docker

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/medperftest"
)

// TestDockerCancelAtAnyMomentLeavesNoContainer cancels runs at random
// moments around the creation and start of their container, half of them
// timed from the moment the create request leaves (so that the cancel lands
// while the engine creates the container), half from the start of Run, and
// checks with the engine after each run that no container of this process
// is left.
func TestDockerCancelAtAnyMomentLeavesNoContainer(t *testing.T) {
	c := medperftest.DockerClient(t)
	mustProbeImage(t, c, probeTag, "cube/docker")
	rt := NewWithClient(c, t.TempDir())
	cfg := probeConfig(t, cube.DockerImage, probeTag)
	t.Cleanup(func() { beforeCreate = nil })
	const runs = 24
	for i := range runs {
		r := MustProbeSpec(t, cfg, nil, "sleep:60s")
		ctx, cancel := context.WithCancel(context.Background())
		if i%2 == 0 {
			delay := time.Duration(rand.IntN(80)) * time.Millisecond
			beforeCreate = func() { time.AfterFunc(delay, cancel) }
		} else {
			beforeCreate = nil
			time.AfterFunc(time.Duration(rand.IntN(600))*time.Millisecond, cancel)
		}
		err := rt.Run(ctx, r.spec)
		cancel()
		if code := medperf.ErrorCode(err); code != medperf.CodeCanceled {
			t.Fatalf("run %d: got %v, want canceled", i, err)
		}
		if left := managedContainers(t, c, os.Getpid()); len(left) != 0 {
			for _, l := range left {
				rt.remove(l.ID)
			}
			t.Fatalf("run %d: containers left after a cancel: %d", i, len(left))
		}
	}
}
