package site

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/medperf/medperf/cube"
)

// fakeRuntime stands in for a container engine: it writes a small output
// into every output mount, counts the runs of each task, and fails when
// fail says so (an error, or a cancellation standing for a kill).
type fakeRuntime struct {
	mu    sync.Mutex
	calls map[string]int
	fail  func(task string, n int) error
	// keys holds the decryption key of each task's last run.
	keys map[string]cube.Secret
}

func (f *fakeRuntime) count(task string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[task]
}

func (f *fakeRuntime) Run(ctx context.Context, spec *cube.Spec) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	task := spec.Task.Name
	f.calls[task]++
	if f.keys == nil {
		f.keys = map[string]cube.Secret{}
	}
	f.keys[task] = spec.DecryptionKey
	n := f.calls[task]
	f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(task, n); err != nil {
			return err
		}
	}
	if err := spec.CreateOutputs(); err != nil {
		return err
	}
	for _, m := range spec.Mounts {
		if m.ReadOnly {
			continue
		}
		file := m.Host
		if m.Type == cube.VolumeDirectory {
			file = filepath.Join(m.Host, "out.txt")
		}
		if err := os.WriteFile(file, []byte(fmt.Sprintf("value: 1\ntask: %s\n", task)), 0o644); err != nil {
			return err
		}
	}
	return nil
}
