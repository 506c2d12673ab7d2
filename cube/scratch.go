package cube

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/medperf/medperf"
)

// DefaultTmpSize bounds what a task may write to its /tmp, which lives on
// the host disk (under MEDPERF_HOME), not in memory: MedPerf gives /tmp a
// host folder too, and cubes use it for scratch far larger than their
// memory limit.
const DefaultTmpSize int64 = 16 << 30

// scratchCheckEvery is how often a running task's /tmp is measured.
var scratchCheckEvery = time.Second

// WithScratch runs run with a fresh, empty host folder for the task's /tmp:
// created under spec.ScratchRoot (mode 0700, owned by the task's user),
// measured every second while the task runs, and removed, with all it
// holds, when run returns. A task that writes more than spec.Limits.TmpSize
// there is stopped (run's context is canceled) and WithScratch returns a
// CodeTooLarge error that says how to raise the limit. Every Runtime calls
// it around the task's run, so that all of them give /tmp alike.
func WithScratch(ctx context.Context, spec *Spec, run func(ctx context.Context, dir string) error) error {
	root := spec.ScratchRoot
	if root == "" {
		root = filepath.Join(os.TempDir(), "medperf-tmp")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "cannot create the folder of the tasks' /tmp: %v", err)
	}
	dir, err := os.MkdirTemp(root, "task-*")
	if err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "cannot create the task's /tmp folder: %v", err)
	}
	defer os.RemoveAll(dir)
	if os.Getuid() == 0 && spec.UID != 0 {
		if err := os.Chown(dir, spec.UID, spec.GID); err != nil {
			return medperf.Errorf(medperf.CodeInvalid, "cannot give the task's /tmp folder to uid %d: %v", spec.UID, err)
		}
	}
	limit := spec.Limits.TmpSize
	if limit <= 0 {
		limit = DefaultTmpSize
	}
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		watchScratch(dir, limit, stop, func() {
			cancel(&medperf.Error{Code: medperf.CodeTooLarge, Message: fmt.Sprintf(
				"task %s wrote more than %s to /tmp and was stopped; raise the limit with --tmp-size (or MEDPERF_TMP_SIZE)",
				spec.Task.Name, FormatSize(limit))})
		})
	}()
	err = run(rctx, dir)
	close(stop)
	<-watched
	if cause := context.Cause(rctx); cause != nil && ctx.Err() == nil && rctx.Err() != nil {
		return cause
	}
	return err
}

// watchScratch calls full once dir holds more than limit bytes, measuring
// until stop is closed.
func watchScratch(dir string, limit int64, stop <-chan struct{}, full func()) {
	t := time.NewTicker(scratchCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if diskUsage(dir) > limit {
				full()
				return
			}
		}
	}
}

// diskUsage is the space the files under dir take on disk (blocks, so that
// a sparse file counts for what it holds), or their sizes where the file
// system does not say.
func diskUsage(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += fi.Size()
		}
		return nil
	})
	return n
}
