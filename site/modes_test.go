package site

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
)

// TestFinding14HomeIsPrivateAfterARun: run-test's cache and logs, and what
// containers wrote, were world-readable (0755/0644). After preparing,
// running and testing, nothing under the site's home may be readable by
// the group or others, whatever umask the containers wrote with.
func TestFinding14HomeIsPrivateAfterARun(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d := tw.MustOperationalDataset(t)
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.do.Test(ctx, TestSpec{BenchmarkID: tw.benchmark.ID}); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(tw.do.Home, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		n++
		// Home itself is the caller's (t.TempDir makes it 0755; the CLI
		// makes it 0700): what the site creates in it is checked.
		if fi.Mode().Perm()&0o077 != 0 && p != tw.do.Home {
			rel, _ := filepath.Rel(tw.do.Home, p)
			t.Errorf("%s has mode %v: group or others may read it", rel, fi.Mode().Perm())
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("walked %d entries: %v", n, err)
	}
}
