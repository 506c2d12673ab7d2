package archive

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/medperf/medperf"
)

// Limits caps what an archive may hold.
type Limits struct {
	// MaxBytes is the largest total size of the regular files.
	MaxBytes int64
	// MaxFiles is the largest number of entries.
	MaxFiles int
}

// DefaultLimits suit model weights: 20 GiB in at most 100,000 entries.
var DefaultLimits = Limits{MaxBytes: 20 << 30, MaxFiles: 100_000}

// Extract reads a tar archive, gzip-compressed or not, from r into dir, which
// must not exist yet. Regular files keep only their execute bits (no setuid,
// setgid or sticky); directories, regular files, hard links to regular files
// of the archive and symbolic links that resolve inside dir are allowed, and
// anything else is rejected with a *RejectError. On any error dir is removed.
func Extract(r io.Reader, dir string, lim Limits) (err error) {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "cannot create the extraction directory: %v", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	tr, err := tarReader(r)
	if err != nil {
		return err
	}
	x := &extractor{dir: dir, lim: lim, regular: map[string]bool{}}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return reject(ReasonMalformed, "", "not a readable tar archive: %v", err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return err
		}
	}
	return x.finishLinks()
}

// tarReader returns a tar reader of r, decompressing gzip when r starts with
// its magic number.
func tarReader(r io.Reader) (*tar.Reader, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, reject(ReasonMalformed, "", "not a readable gzip stream: %v", err)
		}
		return tar.NewReader(zr), nil
	}
	return tar.NewReader(br), nil
}

type symlink struct{ name, target string }

type extractor struct {
	dir      string
	lim      Limits
	files    int
	bytes    int64
	regular  map[string]bool
	symlinks []symlink
}

// cleanName checks an entry name or hard link target and returns it cleaned
// and relative to the target ("." for the target itself).
func cleanName(name, entry string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", reject(ReasonMalformed, entry, "empty name or NUL in a name")
	}
	slashed := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(slashed, "/") || filepath.IsAbs(name) || (len(slashed) > 1 && slashed[1] == ':') {
		return "", reject(ReasonAbsolutePath, entry, "absolute paths are not allowed")
	}
	for _, part := range strings.Split(slashed, "/") {
		if part == ".." {
			return "", reject(ReasonParentPath, entry, "\"..\" parts are not allowed")
		}
	}
	return path.Clean(slashed), nil
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	x.files++
	if x.files > x.lim.MaxFiles {
		return reject(ReasonTooManyFiles, "", "more than %d entries", x.lim.MaxFiles)
	}
	name, err := cleanName(hdr.Name, hdr.Name)
	if err != nil {
		return err
	}
	target := filepath.Join(x.dir, filepath.FromSlash(name))
	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.mkdir(name, hdr.Name)
	case tar.TypeReg:
		return x.file(name, target, hdr, r)
	case tar.TypeLink:
		return x.hardlink(name, target, hdr)
	case tar.TypeSymlink:
		if hdr.Linkname == "" || strings.ContainsRune(hdr.Linkname, 0) {
			return reject(ReasonMalformed, hdr.Name, "a symbolic link needs a target")
		}
		if strings.HasPrefix(hdr.Linkname, "/") || filepath.IsAbs(hdr.Linkname) {
			return reject(ReasonSymlinkEsc, hdr.Name, "symbolic links to absolute paths are not allowed")
		}
		if name == "." {
			return reject(ReasonDuplicate, hdr.Name, "the archive root cannot be a link")
		}
		x.symlinks = append(x.symlinks, symlink{name, hdr.Linkname})
		return nil
	default:
		return reject(ReasonSpecialFile, hdr.Name, "entry type %q is not allowed (only files, directories and links)", string(hdr.Typeflag))
	}
}

// mkdir creates the directory name (relative, cleaned) and its parents,
// refusing to pass through anything but real directories.
func (x *extractor) mkdir(name, entry string) error {
	if name == "." {
		return nil
	}
	cur := x.dir
	for _, part := range strings.Split(name, "/") {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if err == nil {
			if !fi.IsDir() {
				return reject(ReasonDuplicate, entry, "a parent is not a directory")
			}
			continue
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			return reject(ReasonMalformed, entry, "cannot create directory: %v", err)
		}
	}
	return nil
}

func (x *extractor) file(name, target string, hdr *tar.Header, r io.Reader) error {
	if name == "." {
		return reject(ReasonDuplicate, hdr.Name, "the archive root cannot be a file")
	}
	if hdr.Size < 0 || hdr.Size > x.lim.MaxBytes-x.bytes {
		return reject(ReasonTooLarge, hdr.Name, "the files add up to more than %d bytes", x.lim.MaxBytes)
	}
	if err := x.mkdir(path.Dir(name), hdr.Name); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		perm = 0o755
	}
	f, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return reject(ReasonDuplicate, hdr.Name, "two entries share this path")
		}
		return reject(ReasonMalformed, hdr.Name, "cannot create file: %v", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, hdr.Size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != hdr.Size {
		return reject(ReasonMalformed, hdr.Name, "truncated or unreadable file data")
	}
	x.bytes += n
	x.regular[name] = true
	return nil
}

func (x *extractor) hardlink(name, target string, hdr *tar.Header) error {
	to, err := cleanName(hdr.Linkname, hdr.Name)
	if err != nil {
		var re *RejectError
		if errors.As(err, &re) {
			re.Reason = ReasonHardlinkEsc
		}
		return err
	}
	if !x.regular[to] {
		return reject(ReasonHardlinkEsc, hdr.Name, "a hard link must name a regular file extracted before it")
	}
	if err := x.mkdir(path.Dir(name), hdr.Name); err != nil {
		return err
	}
	if err := os.Link(filepath.Join(x.dir, filepath.FromSlash(to)), target); err != nil {
		if errors.Is(err, os.ErrExist) {
			return reject(ReasonDuplicate, hdr.Name, "two entries share this path")
		}
		return reject(ReasonMalformed, hdr.Name, "cannot create hard link: %v", err)
	}
	x.regular[name] = true
	return nil
}

// finishLinks creates the symbolic links once every file and directory
// exists (so that no file is ever written through a link), then checks that
// each one resolves inside the target.
func (x *extractor) finishLinks() error {
	for _, l := range x.symlinks {
		if err := x.mkdir(path.Dir(l.name), l.name); err != nil {
			return err
		}
		if err := os.Symlink(l.target, filepath.Join(x.dir, filepath.FromSlash(l.name))); err != nil {
			if errors.Is(err, os.ErrExist) {
				return reject(ReasonDuplicate, l.name, "two entries share this path")
			}
			return reject(ReasonMalformed, l.name, "cannot create symbolic link: %v", err)
		}
	}
	for _, l := range x.symlinks {
		if !x.staysInside(path.Dir(l.name), l.target) {
			return reject(ReasonSymlinkEsc, l.name, "the link leads out of the extraction directory")
		}
	}
	return nil
}

// staysInside resolves target from the directory from (both relative to
// x.dir) component by component, following the links on disk, and reports
// whether it never climbs above x.dir. Missing components are taken as they
// are written; chains longer than 40 links count as escapes.
func (x *extractor) staysInside(from, target string) bool {
	var cur []string
	if from != "." {
		cur = strings.Split(from, "/")
	}
	queue := strings.Split(target, "/")
	for hops := 0; len(queue) > 0; {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) == 0 {
				return false
			}
			cur = cur[:len(cur)-1]
			continue
		}
		p := filepath.Join(append([]string{x.dir}, append(cur, c)...)...)
		fi, err := os.Lstat(p)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			cur = append(cur, c)
			continue
		}
		if hops++; hops > 40 {
			return false
		}
		next, err := os.Readlink(p)
		if err != nil || strings.HasPrefix(next, "/") {
			return false
		}
		queue = append(strings.Split(next, "/"), queue...)
	}
	return true
}
