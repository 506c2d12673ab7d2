package site

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/medperf/medperf"
)

// CopyStorage copies the storage root src into dst, for `storage move`,
// safely: dst must not be src or inside it and must be absent or an empty
// folder; everything is copied into a temporary sibling of dst, every file
// is compared with its source by sha256 (links by target), and only then is
// the copy renamed to dst. On any failure nothing is left at dst and src is
// untouched. The caller records dst (the profile) and then calls
// RemoveStorage(src). It returns the number of files copied.
func CopyStorage(src, dst string) (int, error) {
	src, dst, err := checkMove(src, dst)
	if err != nil {
		return 0, err
	}
	tmp := dst + ".medperf-move"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, storageError(err)
	}
	n, err := copyTree(src, tmp)
	if err == nil {
		err = verifyTree(src, tmp)
	}
	if err == nil {
		if err = os.Remove(dst); errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.RemoveAll(tmp)
		if me := (*medperf.Error)(nil); !errors.As(err, &me) {
			err = storageError(err)
		}
		return 0, err
	}
	return n, nil
}

// RemoveStorage removes the old storage root after a move.
func RemoveStorage(src string) error {
	if err := os.RemoveAll(src); err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Message: fmt.Sprintf("the storage was moved, but the old folder %s could not be removed: remove it yourself", src), Err: err}
	}
	return nil
}

// within reports whether p is dir or inside it, comparing real paths (links
// resolved) as far as they exist.
func within(dir, p string) bool {
	dir, p = realPath(dir), realPath(p)
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath resolves the links of p's longest existing prefix.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p
	}
	return filepath.Join(realPath(parent), filepath.Base(p))
}

// checkMove returns src and dst made absolute, or why the move is refused.
func checkMove(src, dst string) (string, string, error) {
	var err error
	if src, err = filepath.Abs(src); err != nil {
		return "", "", storageError(err)
	}
	if dst, err = filepath.Abs(dst); err != nil {
		return "", "", storageError(err)
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return "", "", medperf.Errorf(medperf.CodeNotFound, "there is no storage at %s to move", src)
	}
	return src, dst, checkTarget(src, dst)
}

// checkTarget refuses a target inside src, holding src, not empty, or
// without a parent folder.
func checkTarget(src, dst string) error {
	if within(src, dst) {
		return medperf.FieldError("FOLDER", "%s is inside the storage it would receive (%s): choose a folder outside it", dst, src)
	}
	if within(dst, src) {
		return medperf.FieldError("FOLDER", "%s holds the storage itself (%s): choose a new, empty folder", dst, src)
	}
	entries, err := os.ReadDir(dst)
	switch {
	case err == nil && len(entries) > 0:
		return medperf.FieldError("FOLDER", "%s is not empty: choose a new or empty folder", dst)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return medperf.FieldError("FOLDER", "%s cannot be used: %v", dst, err)
	}
	if fi, err := os.Stat(filepath.Dir(dst)); err != nil || !fi.IsDir() {
		return medperf.FieldError("FOLDER", "the parent folder of %s does not exist: create it first", dst)
	}
	return nil
}

// copyTree copies regular files (with their modes), folders and symbolic
// links (as links) of src into dst; anything else is refused.
func copyTree(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, info.Mode().Perm()|0o700)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, to)
		case d.Type().IsRegular():
			n++
			return copyFile(path, to, info.Mode().Perm())
		}
		return medperf.Errorf(medperf.CodeInvalid, "cannot move %s: not a file, folder or link", path)
	})
	return n, err
}

func copyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// verifyTree checks that every entry of src is in dst with the same
// content (sha256) or link target.
func verifyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		to := filepath.Join(dst, rel)
		if d.Type()&fs.ModeSymlink != 0 {
			a, err1 := os.Readlink(path)
			b, err2 := os.Readlink(to)
			if err1 != nil || err2 != nil || a != b {
				return mismatch(rel)
			}
			return nil
		}
		a, err := fileSum(path)
		if err != nil {
			return err
		}
		b, err := fileSum(to)
		if err != nil || !bytes.Equal(a, b) {
			return mismatch(rel)
		}
		return nil
	})
}

func mismatch(rel string) error {
	return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the copy of %s differs from the original: nothing was moved; check the target disk and try again", rel)
}

func fileSum(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
