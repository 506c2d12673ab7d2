package docker

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/medperftest"
)

// engines are the container engines the adapter speaks to: Docker, and
// Podman through its Docker-compatible service. Every contract test runs
// on both.
var engines = []struct {
	name   string
	dep    string
	podman bool
}{
	{"docker", medperftest.Docker, false},
	{"podman", medperftest.Podman, true},
}

// engineClient returns a client of the engine named by dep, closed when
// the test ends, or skips/fails as medperftest.Require does.
func engineClient(t *testing.T, dep string) *client.Client {
	t.Helper()
	host := medperftest.Require(t, dep)
	c, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestContainerContractOnDockerAndPodman: MedPerf's container contract
// (issue 13, container contract 1, 2, 4 and 7) with the isolation kept, on
// each engine: a writable layer discarded with the container, /tmp on the
// host disk (outside the memory limit) bounded by the tmp size and removed
// after, the image's HOME kept.
func TestContainerContractOnDockerAndPodman(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c := engineClient(t, e.dep)
			tag := fmt.Sprintf("medperf-cube-contract:%s-%d", e.name, os.Getpid())
			mustProbeImage(t, c, tag, "cube/docker contract")
			rt := NewWithClient(c, t.TempDir())
			rt.Podman = e.podman
			cfg := probeConfig(t, cube.DockerImage, tag)
			testContract(t, c, rt, cfg)
			homeTag := tag + "-home"
			binary := probeBinary(t)
			medperftest.BuildImage(t, c, homeTag, map[string][]byte{
				"Dockerfile": []byte("FROM scratch\nENV HOME=/home/app\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"),
				"app":        binary,
			})
			t.Run("the image's HOME is kept", func(t *testing.T) {
				r := MustProbeSpec(t, probeConfig(t, cube.DockerImage, homeTag), nil, "env:HOME")
				if err := rt.Run(context.Background(), r.spec); err != nil {
					t.Fatalf("%v\n%s", err, r.out)
				}
				if got := r.results()["env"]; got != "/home/app" {
					t.Errorf("HOME = %q, want the image's /home/app", got)
				}
			})
		})
	}
}

// testContract runs the contract's checks on one engine. The writes go to
// /etc, which both engines create in a FROM scratch image (Podman makes
// such an image's own / mode 0555, so a task without capabilities cannot
// write there; real images, MedPerf's among them, have a / of mode 0755).
func testContract(t *testing.T, c *client.Client, rt *Runtime, cfg *cube.Config) {
	ctx := context.Background()
	t.Run("isolation holds and the root is writable", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, nil, "ifaces", "capeff", "nonewprivs", "write:/mlcommons/volumes/data/x",
			"write:/etc/written_by_task", "read:/etc/written_by_task", "env:HOME")
		// As the image's owner (uid 0, every capability dropped): a
		// read-only root would refuse even that user (EROFS), which is what
		// MedPerf's containers that write into their root met.
		r.spec.UID, r.spec.GID = 0, 0
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		got := r.results()
		for k, v := range map[string]string{"ifaces": "lo", "capeff": "0000000000000000", "nonewprivs": "1", "read": "probe", "env": "/tmp"} {
			if got[k] != v {
				t.Errorf("%s = %q, want %q\n%s", k, got[k], v, r.out)
			}
		}
		if !containsLines(r.out.String(), "write=failed", "write=ok") {
			t.Errorf("the input must be read-only and the root writable\n%s", r.out)
		}
	})
	t.Run("the writes into the root go with the container", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, nil, "read:/etc/written_by_task")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		if got := r.results()["read"]; got != "failed" {
			t.Errorf("a file an earlier task wrote into its root is still there: %q", got)
		}
	})
	t.Run("/tmp is on disk: scratch beyond the memory limit fits, and is removed after", func(t *testing.T) {
		scratch := t.TempDir()
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.Memory = 64 << 20; q.ScratchRoot = scratch },
			"fill:/tmp/scratch.bin=160")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		if got := r.results()["fill"]; got != "ok" {
			t.Errorf("fill = %q", got)
		}
		if left, _ := os.ReadDir(scratch); len(left) != 0 {
			t.Errorf("the task's /tmp was not removed: %v", left)
		}
	})
	t.Run("a task writing past the tmp size is stopped and its container removed", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.TmpSize = 8 << 20; q.ScratchRoot = t.TempDir() },
			"fill:/tmp/big.bin=32", "sleep:60s")
		err := rt.Run(ctx, r.spec)
		if medperf.ErrorCode(err) != medperf.CodeTooLarge {
			t.Fatalf("got %v, want too_large\n%s", err, r.out)
		}
		if left := managedContainers(t, c, os.Getpid()); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})
}

// containsLines reports whether the probe printed want as consecutive
// result lines.
func containsLines(out string, want ...string) bool {
	s := ""
	for i, w := range want {
		if i > 0 {
			s += "\n[infer] "
		}
		s += w
	}
	return strings.Contains(out, s)
}
