//go:build unix

package site_test

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func TestHashFoldersRefusesANamedPipe(t *testing.T) {
	dir := t.TempDir()
	MustWriteFiles(t, dir, map[string]string{"ok": "ok"})
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	// MedPerf would block forever opening the pipe; we refuse at once.
	_, err := site.HashFolders(context.Background(), dir)
	mustCode(t, err, medperf.CodeInvalid)
}
