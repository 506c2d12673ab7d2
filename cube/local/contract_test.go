package local

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// TestLocalSandboxKeepsMedPerfsContainerContract: a task may write into
// its own root (thrown away with the sandbox) and gets /tmp as a fresh host
// folder under the scratch root, bounded by the tmp size and removed after
// the task (issue 13, container contract 1 and 2).
func TestLocalSandboxKeepsMedPerfsContainerContract(t *testing.T) {
	requireBwrap(t)
	probe := MustBuildProbe(t)
	rt := &Runtime{}
	ctx := context.Background()

	t.Run("the root is writable and /tmp is a host folder removed afterwards", func(t *testing.T) {
		scratch := t.TempDir()
		r := MustProbeSpec(t, probe, func(q *cube.Request) { q.ScratchRoot = scratch },
			"write:/data_renamed", "read:/data_renamed", "fill:/tmp/scratch.bin=64", "env:HOME")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		got := r.results()
		if got["write"] != "ok" || got["read"] != "probe" || got["fill"] != "ok" || got["env"] != "/tmp" {
			t.Errorf("results %v\n%s", got, r.out)
		}
		if left, _ := os.ReadDir(scratch); len(left) != 0 {
			t.Errorf("the task's /tmp was not removed: %v", left)
		}
		if _, err := os.Stat("/data_renamed"); !os.IsNotExist(err) {
			t.Error("the task wrote into the host's root")
		}
	})

	t.Run("a task writing past the tmp size is stopped with a clear error", func(t *testing.T) {
		scratch := t.TempDir()
		r := MustProbeSpec(t, probe, func(q *cube.Request) { q.ScratchRoot = scratch; q.TmpSize = 8 << 20 },
			"fill:/tmp/big.bin=32", "sleep:60s")
		err := rt.Run(ctx, r.spec)
		if medperf.ErrorCode(err) != medperf.CodeTooLarge {
			t.Fatalf("got %v, want too_large\n%s", err, r.out)
		}
		if left, _ := os.ReadDir(scratch); len(left) != 0 {
			t.Errorf("the task's /tmp was not removed: %v", left)
		}
	})

	t.Run("with no scratch root /tmp goes under the system's temporary folder", func(t *testing.T) {
		r := MustProbeSpec(t, probe, nil, "write:/tmp/x")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		if _, err := os.Stat(filepath.Join(os.TempDir(), "medperf-tmp")); err != nil {
			t.Errorf("default scratch root: %v", err)
		}
	})
}
