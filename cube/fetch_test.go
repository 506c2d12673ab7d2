package cube

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/archive"
)

// MustTarball returns a tar.gz holding the given files and its sha256.
func MustTarball(tb testing.TB, files map[string]string) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func TestFetchAdditionalFilesFromALocalPath(t *testing.T) {
	data, sum := MustTarball(t, map[string]string{"weights.bin": "w"})
	src := filepath.Join(t.TempDir(), "files.tar.gz")
	os.WriteFile(src, data, 0o644)
	cache := t.TempDir()
	dir, got, err := FetchAdditionalFiles(context.Background(), nil, src, "sha256:"+sum, cache, archive.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got != sum || dir != filepath.Join(cache, sum, "files") {
		t.Errorf("dir %s hash %s", dir, got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "weights.bin")); string(b) != "w" {
		t.Errorf("extracted %q", b)
	}
}

func TestFetchAdditionalFilesRefusesAWrongHash(t *testing.T) {
	data, _ := MustTarball(t, map[string]string{"weights.bin": "w"})
	src := filepath.Join(t.TempDir(), "files.tar.gz")
	os.WriteFile(src, data, 0o644)
	cache := t.TempDir()
	wrong := hex.EncodeToString(make([]byte, 32))
	_, _, err := FetchAdditionalFiles(context.Background(), nil, src, wrong, cache, archive.DefaultLimits)
	var mismatch *HashMismatchError
	if !errors.As(err, &mismatch) || medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("got %v, want a hash mismatch", err)
	}
	if left := filesUnder(t, cache); len(left) != 0 {
		t.Errorf("a refused tarball left %v in the cache", left)
	}
}

func TestFetchAdditionalFilesDownloadsOnceAndCaches(t *testing.T) {
	data, sum := MustTarball(t, map[string]string{"a/b.txt": "hello"})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(data)
	}))
	defer srv.Close()
	cache := t.TempDir()
	for i := 0; i < 2; i++ {
		dir, _, err := FetchAdditionalFiles(context.Background(), srv.Client(), srv.URL+"/files.tar.gz", sum, cache, archive.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "a", "b.txt")); string(b) != "hello" {
			t.Errorf("extracted %q", b)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("downloaded %d times, want once", hits.Load())
	}
}

func TestFetchFileRejectsBadDownloads(t *testing.T) {
	data, _ := MustTarball(t, map[string]string{"x": "y"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	defer srv.Close()
	wrong := hex.EncodeToString(make([]byte, 32))
	tests := []struct {
		name, src, hash string
		code            medperf.Code
	}{
		{"wrong hash", srv.URL + "/f", wrong, medperf.CodeInvalid},
		{"http error", srv.URL + "/missing", wrong, medperf.CodeUnavailable},
		{"malformed hash", srv.URL + "/f", "abc", medperf.CodeInvalid},
		{"missing local file", "/no/such/file.tar.gz", wrong, medperf.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			cache := t.TempDir()
			_, _, err := FetchFile(context.Background(), srv.Client(), tt.src, tt.hash, cache, "file")
			if medperf.ErrorCode(err) != tt.code {
				t.Fatalf("code %q (%v), want %q", medperf.ErrorCode(err), err, tt.code)
			}
			if left := filesUnder(t, cache); len(left) != 0 {
				t.Errorf("left %v in the cache", left)
			}
		})
	}
}

// filesUnder lists the files (not directories) under dir.
func filesUnder(tb testing.TB, dir string) []string {
	tb.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

func TestFetchFileCopiesWhatItVerifies(t *testing.T) {
	src := filepath.Join(t.TempDir(), "image.tar")
	os.WriteFile(src, []byte("archive"), 0o644)
	sum := sha256.Sum256([]byte("archive"))
	cache := t.TempDir()
	p, got, err := FetchFile(context.Background(), nil, src, hex.EncodeToString(sum[:]), cache, "image archive")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(src, []byte("swapped"), 0o644)
	if b, _ := os.ReadFile(p); string(b) != "archive" || p != filepath.Join(cache, got) {
		t.Errorf("the verified copy %s holds %q", p, b)
	}
}
