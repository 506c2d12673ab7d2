package site

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
)

// fileEntry is one file to hash. shown is how the user can find it: the
// path they gave, joined with the file's path inside it.
type fileEntry struct {
	path  string
	shown string
	size  int64
}

func (f fileEntry) fail(what string, err error) error {
	return &medperf.Error{Code: medperf.CodeInvalid, Message: f.shown + ": " + what + ": " + reason(err), Err: err}
}

// reason is the operating system's reason without the path it names.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// walker lists the files of the folders to hash; within, when set, is
// the resolved folder no path and no link may lead out of.
type walker struct{ within string }

func newWalker(within string) (walker, error) {
	if within == "" {
		return walker{}, nil
	}
	real, err := filepath.EvalSymlinks(within)
	if err != nil {
		return walker{}, &medperf.Error{Code: medperf.CodeInvalid, Message: "the prepared data cannot be read: " + reason(err), Err: err}
	}
	return walker{within: real}, nil
}

// inside reports whether the resolved path p is the folder w.within or
// lies under it.
func (w walker) inside(p string) bool {
	rel, err := filepath.Rel(w.within, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// listFiles walks the folder given as the index-th path and returns the
// files MedPerf's os.walk would open, with their sizes.
func (w walker) listFiles(ctx context.Context, index int, given string) ([]fileEntry, error) {
	root, err := openRoot(index, given)
	if err != nil {
		return nil, err
	}
	if w.within != "" {
		if !w.inside(root) {
			return nil, medperf.Errorf(medperf.CodeInvalid, "%s leads out of the dataset's folder: refusing prepared data that links outside it (fix the preparator)", filepath.Base(given))
		}
		given = w.shown(root)
	}
	var files []fileEntry
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return canceled(ctxErr)
		}
		entry := fileEntry{path: path, shown: shownPath(given, root, path)}
		if err != nil {
			return entry.fail("cannot be read", err)
		}
		if d.IsDir() {
			return nil
		}
		if w.within != "" {
			entry.shown = w.shown(path)
			if d.Type()&fs.ModeSymlink != 0 {
				if entry.path, err = w.confine(entry); err != nil {
					return err
				}
			}
		}
		take, size, err := classify(entry, d)
		if take {
			entry.size = size
			files = append(files, entry)
		}
		return err
	})
	return files, err
}

// openRoot checks that given is a folder and resolves it, so that a
// symbolic link given as a path is walked like MedPerf walks it.
func openRoot(index int, given string) (string, error) {
	field := "PATH"
	if index > 0 {
		field = "PATH " + strconv.Itoa(index+1)
	}
	if given == "" {
		return "", medperf.FieldError(field, "an empty path was given; give a folder")
	}
	info, err := os.Stat(given)
	if errors.Is(err, fs.ErrNotExist) {
		return "", medperf.FieldError(field, "%s does not exist; give an existing folder", given)
	}
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInvalid, Field: field, Message: given + " cannot be read: " + reason(err), Err: err}
	}
	if !info.IsDir() {
		return "", medperf.FieldError(field, "%s is not a folder; give the folder that holds the files", given)
	}
	root, err := filepath.EvalSymlinks(given)
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInvalid, Field: field, Message: given + " cannot be resolved: " + reason(err), Err: err}
	}
	return root, nil
}

// classify decides whether the walk takes the non-folder entry d, and its
// size.
func classify(f fileEntry, d fs.DirEntry) (take bool, size int64, err error) {
	t := d.Type()
	switch {
	case t.IsRegular():
		info, err := d.Info()
		if err != nil {
			return false, 0, f.fail("cannot be read", err)
		}
		return true, info.Size(), nil
	case t&fs.ModeSymlink != 0:
		info, err := os.Stat(f.path)
		if err != nil {
			return false, 0, f.fail("is a symbolic link whose target cannot be read", err)
		}
		if info.IsDir() {
			return false, 0, nil // os.walk does not follow links to folders
		}
		if !info.Mode().IsRegular() {
			return false, 0, f.fail("is a symbolic link to something that is not a regular file", errors.New(info.Mode().Type().String()))
		}
		return true, info.Size(), nil
	default:
		return false, 0, f.fail("is not a regular file", errors.New(t.String()))
	}
}

// shown is p relative to the confining folder: data paths stay local, but
// names inside the dataset are the preparator's and safe to show.
func (w walker) shown(p string) string {
	rel, err := filepath.Rel(w.within, p)
	if err != nil {
		return filepath.Base(p)
	}
	return rel
}

// confine resolves the symbolic link f and returns its target, or refuses
// a link that leads out of the confining folder (or cannot be resolved).
func (w walker) confine(f fileEntry) (string, error) {
	target, err := filepath.EvalSymlinks(f.path)
	if err != nil {
		return "", f.fail("is a symbolic link whose target cannot be read", err)
	}
	if !w.inside(target) {
		return "", medperf.Errorf(medperf.CodeInvalid, "%s: is a symbolic link that leads out of the dataset's folder: refusing to follow it; prepared data must not link outside its folder (fix the preparator)", f.shown)
	}
	return target, nil
}

func shownPath(given, root, path string) string {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." {
		return given
	}
	return filepath.Join(given, rel)
}
