package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func FuzzExtract(f *testing.F) {
	f.Add(MustTar(f, false, file("a/b.txt", "hello"), entry{name: "l", typ: tar.TypeSymlink, linkname: "a/b.txt"}))
	f.Add(MustTar(f, true, file("../x", "y")))
	base := f.TempDir()
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := filepath.Join(base, strconv.FormatInt(n.Add(1), 10))
		if err := os.Mkdir(parent, 0o755); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(parent)
		dir := filepath.Join(parent, "x")
		err := Extract(bytes.NewReader(data), dir, Limits{MaxBytes: 1 << 20, MaxFiles: 1000})
		left, _ := os.ReadDir(parent)
		if err != nil {
			var re *RejectError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a RejectError", err)
			}
			if len(left) != 0 {
				t.Fatalf("a rejected archive left %v", left)
			}
			return
		}
		if len(left) != 1 {
			t.Fatalf("extraction wrote outside its directory: %v", left)
		}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			fi, _ := d.Info()
			switch mode := fi.Mode(); {
			case mode.IsRegular(), mode.IsDir():
				if mode&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
					t.Fatalf("%s keeps setuid/setgid", p)
				}
			case mode&fs.ModeSymlink != 0:
				resolved, err := filepath.EvalSymlinks(p)
				if err == nil && resolved != dir && !strings.HasPrefix(resolved, dir+string(filepath.Separator)) {
					t.Fatalf("link %s resolves outside to %s", p, resolved)
				}
			default:
				t.Fatalf("%s has mode %v", p, mode)
			}
			return nil
		})
	})
}
