package cube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/archive"
)

// MaxDownload is the largest file FetchFile downloads, in bytes.
const MaxDownload int64 = 64 << 30

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// NormalizeHash returns a sha256 given as hex, with or without a "sha256:"
// prefix, as 64 lowercase hex digits; CodeInvalid otherwise.
func NormalizeHash(h string) (string, error) {
	h = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "sha256:"))
	if !sha256Pattern.MatchString(h) {
		return "", medperf.FieldError("hash", "%q is not a sha256 (64 hex digits)", h)
	}
	return h, nil
}

// FileSHA256 returns the sha256 of the file at p as lowercase hex: the
// identity of image archives, SIF files and tarballs.
func FileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeNotFound, "cannot open %s: %v", filepath.Base(p), err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", medperf.Errorf(medperf.CodeInvalid, "cannot read %s: %v", filepath.Base(p), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// HashMismatchError means a file's sha256 is not the registered one.
type HashMismatchError struct {
	What      string
	Want, Got string
}

func (e *HashMismatchError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the CodeInvalid medperf.Error.
func (e *HashMismatchError) Unwrap() error {
	return medperf.Errorf(medperf.CodeInvalid, "%s has sha256 %s, but %s was registered: refusing to use it", e.What, e.Got, e.Want)
}

// IsURL reports whether src is an http or https URL.
func IsURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// FetchFile returns a local file holding src (an http(s) URL or a local
// path) whose sha256 is want (64 hex digits; "" accepts any file and is for
// developers only), and the sha256 it has. The file is copied (downloaded)
// into cacheDir/<sha256> while being hashed, once; a cached copy is hashed
// again before use. A mismatch is a *HashMismatchError and leaves no file in
// the cache; so does every other failure, a canceled ctx included (partial
// files of a killed process are swept by the next fetch, see staleTemp).
//
// Under WithRemoteOnly a local path is refused (CodeInvalid). With a nil
// hc, the download refuses hosts (and redirects) that resolve to
// non-public addresses (CodeForbidden) unless ctx is WithPrivateAddresses;
// a client given is used as it is. A local path must be a regular file.
func FetchFile(ctx context.Context, hc *http.Client, src, want, cacheDir, what string) (string, string, error) {
	if want != "" {
		var err error
		if want, err = NormalizeHash(want); err != nil {
			return "", "", err
		}
	}
	if !IsURL(src) && policyOf(ctx).remoteOnly {
		return "", "", &medperf.Error{Code: medperf.CodeInvalid, Field: what, Message: fmt.Sprintf(
			"the %s location %q is not an http(s) URL: a registered container must give a URL; refusing to read a file of this machine", what, src)}
	}
	if want != "" {
		cached := filepath.Join(cacheDir, want)
		if got, err := FileSHA256(cached); err == nil && got == want {
			return cached, got, nil
		}
	}
	if !IsURL(src) {
		return copyLocal(ctx, src, want, cacheDir, what)
	}
	return download(ctx, hc, src, want, cacheDir, what)
}

// copyLocal stores the local file src: a developer's own archive.
func copyLocal(ctx context.Context, src, want, cacheDir, what string) (string, string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", "", medperf.Errorf(medperf.CodeNotFound, "cannot open the %s: %v", what, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", "", medperf.Errorf(medperf.CodeInvalid, "the %s %s is not a regular file", what, src)
	}
	return store(ctx, f, want, cacheDir, what)
}

func download(ctx context.Context, hc *http.Client, src, want, cacheDir, what string) (string, string, error) {
	u, err := url.Parse(src)
	if err != nil {
		return "", "", medperf.FieldError("url", "%s URL is not valid: %v", what, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", "", medperf.FieldError("url", "%s URL is not valid: %v", what, err)
	}
	resp, err := clientFor(ctx, hc).Do(req)
	if err != nil {
		return "", "", downloadError(what, u.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", "", medperf.Errorf(medperf.CodeUnavailable, "downloading the %s from %s answered %s", what, u.Host, resp.Status)
	}
	return store(ctx, resp.Body, want, cacheDir, what)
}

// tempPrefix starts the names of partial downloads in a cache directory.
const tempPrefix = ".download-"

// staleTemp is how long a partial download may go unwritten before the
// next fetch into its directory removes it: its process was killed (a
// live download writes far more often).
const staleTemp = time.Hour

// sweep removes stale temporary files and folders (names starting with
// prefix) from dir, left by killed processes.
func sweep(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// ctxReader stops a copy when its context ends: a copy from a local file
// never blocks on the network, so nothing else would stop it.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// store copies r into cacheDir/<sha256> while hashing it, so that what is
// verified is exactly what is used later (a local file could change between
// a check and its use). A mismatch leaves no file behind.
func store(ctx context.Context, r io.Reader, want, cacheDir, what string) (string, string, error) {
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return "", "", medperf.Errorf(medperf.CodeInvalid, "cannot create the cache directory: %v", err)
	}
	sweep(cacheDir, tempPrefix)
	tmp, err := os.CreateTemp(cacheDir, tempPrefix+"*")
	if err != nil {
		return "", "", medperf.Errorf(medperf.CodeInvalid, "cannot write to the cache directory: %v", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, MaxDownload+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if ctx.Err() != nil {
		return "", "", &medperf.Error{Code: medperf.CodeCanceled, Message: fmt.Sprintf("fetching the %s was canceled", what), Err: ctx.Err()}
	}
	if err != nil {
		return "", "", &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("reading the %s failed", what), Err: err}
	}
	if n > MaxDownload {
		return "", "", medperf.Errorf(medperf.CodeTooLarge, "the %s is larger than %d bytes", what, MaxDownload)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return "", "", &HashMismatchError{What: what, Want: want, Got: got}
	}
	final := filepath.Join(cacheDir, got)
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", "", medperf.Errorf(medperf.CodeInvalid, "cannot write to the cache directory: %v", err)
	}
	return final, got, nil
}

// extractPrefix starts the names of extractions under way.
const extractPrefix = ".extract-"

// FetchAdditionalFiles returns the directory holding the extracted
// additional-files tarball src (an http(s) URL or a local path) with sha256
// want ("" accepts any tarball, for developers; the hash found is returned).
// The tarball is verified before it is opened, extracted with
// archive.Extract under lim into cacheDir/<sha256>/files, readable by the
// user only, and reused from there afterwards. Under WithRemoteOnly a local
// path is refused, as by FetchFile. Errors: *HashMismatchError,
// *archive.RejectError, CodeUnavailable for a failed download.
func FetchAdditionalFiles(ctx context.Context, hc *http.Client, src, want, cacheDir string, lim archive.Limits) (string, string, error) {
	if !IsURL(src) && policyOf(ctx).remoteOnly {
		_, _, err := FetchFile(ctx, hc, src, want, "", "additional files tarball")
		return "", "", err
	}
	if want != "" {
		var err error
		if want, err = NormalizeHash(want); err != nil {
			return "", "", err
		}
		dir := filepath.Join(cacheDir, want, "files")
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir, want, nil
		}
	}
	file, got, err := FetchFile(ctx, hc, src, want, filepath.Join(cacheDir, "downloads"), "additional files tarball")
	if err != nil {
		return "", "", err
	}
	dir := filepath.Join(cacheDir, got, "files")
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return dir, got, nil
	}
	if err := extractTarball(file, dir, lim); err != nil {
		return "", "", err
	}
	return dir, got, nil
}

// extractTarball extracts the verified tarball file into dir through a
// temporary folder (removed on failure, swept when stale), makes it
// private, and removes file: the extracted tree is what is kept.
func extractTarball(file, dir string, lim archive.Limits) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "cannot create the cache directory: %v", err)
	}
	f, err := os.Open(file)
	if err != nil {
		return medperf.Errorf(medperf.CodeNotFound, "cannot open the additional files tarball: %v", err)
	}
	defer f.Close()
	tmp := filepath.Join(filepath.Dir(dir), fmt.Sprintf("%s%d", extractPrefix, os.Getpid()))
	os.RemoveAll(tmp)
	sweep(filepath.Dir(dir), extractPrefix)
	err = archive.Extract(f, tmp, lim)
	os.Remove(file)
	if err == nil {
		err = MakePrivate(tmp)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if fi, serr := os.Stat(dir); serr == nil && fi.IsDir() {
			return nil // another process extracted it first
		}
		return medperf.Errorf(medperf.CodeInvalid, "cannot store the extracted files: %v", err)
	}
	return nil
}

// MakePrivate takes the group's and others' permissions away from the
// tree at root, without following links: what a site fetches (a model's
// weights) and what its containers write (prepared data, predictions) is
// for its user only. A missing root is not an error.
func MakePrivate(root string) error {
	if _, err := os.Lstat(root); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable to the user: to others too
		}
		if d.Type()&os.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return os.Chmod(p, fi.Mode().Perm()&0o700)
		}
		return nil
	})
	if err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "cannot make %s private: %v", filepath.Base(root), err)
	}
	return nil
}
