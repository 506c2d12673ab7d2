//go:build unix

package site

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/medperf/medperf"
)

// mustStorage is a storage root with files, a nested folder and a link.
func mustStorage(tb testing.TB) string {
	tb.Helper()
	src := filepath.Join(tb.TempDir(), "storage")
	for name, body := range map[string]string{"datasets/1/dataset.json": "{}", "results/r.json": "[1]", "cache/x/big.bin": "0123456789"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.Symlink("../results/r.json", filepath.Join(src, "datasets", "link")); err != nil {
		tb.Fatal(err)
	}
	return src
}

func TestCopyStorage(t *testing.T) {
	t.Run("copies and verifies everything, files and links", func(t *testing.T) {
		src := mustStorage(t)
		dst := filepath.Join(t.TempDir(), "moved")
		n, err := CopyStorage(src, dst)
		if err != nil || n != 3 {
			t.Fatalf("CopyStorage = %d, %v; want 3 files", n, err)
		}
		if err := verifyTree(src, dst); err != nil {
			t.Fatal(err)
		}
		if l, err := os.Readlink(filepath.Join(dst, "datasets", "link")); err != nil || l != "../results/r.json" {
			t.Errorf("link = %q, %v", l, err)
		}
		if fi, err := os.Stat(filepath.Join(dst, "results", "r.json")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("mode not kept: %v %v", fi.Mode(), err)
		}
		if _, err := os.Stat(dst + ".medperf-move"); !os.IsNotExist(err) {
			t.Errorf("the temporary copy is left: %v", err)
		}
		if err := RemoveStorage(src); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(src); !os.IsNotExist(err) {
			t.Errorf("source still there: %v", err)
		}
	})
	t.Run("an empty target folder is fine", func(t *testing.T) {
		dst := t.TempDir()
		if _, err := CopyStorage(mustStorage(t), dst); err != nil {
			t.Fatal(err)
		}
	})
	refused := []struct {
		name string
		dst  func(src string) string
		code medperf.Code
	}{
		{"a target inside the source", func(src string) string { return filepath.Join(src, "sub") }, medperf.CodeInvalid},
		{"the source itself", func(src string) string { return src }, medperf.CodeInvalid},
		{"a folder holding the source", filepath.Dir, medperf.CodeInvalid},
		{"a non-empty target", func(string) string {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, "f"), nil, 0o600)
			return d
		}, medperf.CodeInvalid},
		{"a target whose parent does not exist", func(string) string { return filepath.Join(t.TempDir(), "no", "such") }, medperf.CodeInvalid},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused and nothing changes", func(t *testing.T) {
			src := mustStorage(t)
			dst := tt.dst(src)
			before, _ := os.ReadDir(dst)
			if _, err := CopyStorage(src, dst); medperf.ErrorCode(err) != tt.code {
				t.Fatalf("CopyStorage: %v, want %s", err, tt.code)
			}
			if err := verifyTree(src, mustStorage(t)); err != nil {
				t.Errorf("the source changed: %v", err)
			}
			if after, _ := os.ReadDir(dst); len(after) != len(before) {
				t.Errorf("the target changed: %d entries, before %d", len(after), len(before))
			}
		})
	}
	t.Run("a special file stops the move with nothing half-written", func(t *testing.T) {
		src := mustStorage(t)
		if err := syscall.Mkfifo(filepath.Join(src, "cache", "fifo"), 0o600); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		dst := filepath.Join(t.TempDir(), "moved")
		if _, err := CopyStorage(src, dst); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("CopyStorage: %v, want invalid", err)
		}
		for _, p := range []string{dst, dst + ".medperf-move"} {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s exists after the failure", p)
			}
		}
	})
	t.Run("no storage yet", func(t *testing.T) {
		if _, err := CopyStorage(filepath.Join(t.TempDir(), "none"), filepath.Join(t.TempDir(), "x")); medperf.ErrorCode(err) != medperf.CodeNotFound {
			t.Errorf("CopyStorage: %v, want not_found", err)
		}
	})
}

func TestWithin(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "s")
	os.MkdirAll(src, 0o700)
	os.Symlink(src, filepath.Join(root, "alias"))
	for p, want := range map[string]bool{
		src: true, filepath.Join(src, "a"): true, filepath.Join(src, "..a"): true,
		filepath.Join(root, "alias", "x"): true, filepath.Join(root, "t"): false, root: false, filepath.Join(root, "s2"): false,
	} {
		if got := within(src, p); got != want {
			t.Errorf("within(%s, %s) = %v, want %v", src, p, got, want)
		}
	}
}
