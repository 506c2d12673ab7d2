package site_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

// emptySHA256 is the sha256 of no bytes: the hash of folders without files.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// MustWriteFiles creates files (slash-separated relative path -> content)
// under dir.
func MustWriteFiles(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// MustHash hashes paths and fails the test on error.
func MustHash(tb testing.TB, paths ...string) string {
	tb.Helper()
	h, err := site.HashFolders(context.Background(), paths...)
	if err != nil {
		tb.Fatalf("HashFolders: %v", err)
	}
	return h
}

// expectedHash computes MedPerf's hash of contents step by step.
func expectedHash(contents ...string) string {
	var digests []string
	for _, c := range contents {
		sum := sha256.Sum256([]byte(c))
		digests = append(digests, hex.EncodeToString(sum[:]))
	}
	sort.Strings(digests)
	sum := sha256.Sum256([]byte(strings.Join(digests, "")))
	return hex.EncodeToString(sum[:])
}

func TestHashFoldersKnownValues(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 20_000) // 320 KB: several reads
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"one file", map[string]string{"a.txt": "hello"},
			// sha256("hello") is 2cf24dba...; the folder hash is the sha256 of that hex string.
			expectedHash("hello")},
		{"nested files, an empty one and a large one", map[string]string{
			"a.txt": "hello", "sub/b.bin": "world", "sub/deeper/empty": "", "sub/.hidden": "dot", "big": big,
		}, expectedHash("hello", "world", "", "dot", big)},
		{"two files with the same content count twice", map[string]string{"x": "same", "y/z": "same"},
			expectedHash("same", "same")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			MustWriteFiles(t, dir, tt.files)
			if got := MustHash(t, dir); got != tt.want {
				t.Errorf("hash = %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("one file matches a literal value", func(t *testing.T) {
		dir := t.TempDir()
		MustWriteFiles(t, dir, map[string]string{"a.txt": "hello"})
		// sha256 of "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".
		const want = "d7914fe546b684688bb95f4f888a92dfc680603a75f23eb823658031fff766d9"
		if got := MustHash(t, dir); got != want {
			t.Errorf("hash = %s, want %s", got, want)
		}
	})
}

func TestHashFoldersEmpty(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string)
	}{
		{"an empty folder hashes to sha256 of nothing", func(string) {}},
		{"folders without files hash to sha256 of nothing", func(dir string) {
			if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(dir)
			if got := MustHash(t, dir); got != emptySHA256 {
				t.Errorf("hash = %s, want %s", got, emptySHA256)
			}
		})
	}
}

func TestHashFoldersIgnoresNamesAndOrder(t *testing.T) {
	root := t.TempDir()
	data, labels, together, renamed := filepath.Join(root, "data"), filepath.Join(root, "labels"), filepath.Join(root, "all"), filepath.Join(root, "renamed")
	MustWriteFiles(t, data, map[string]string{"1.csv": "a,b\n1,2\n", "img/2.raw": "\x00\x01\x02"})
	MustWriteFiles(t, labels, map[string]string{"1.csv": "label\n1\n"})
	MustWriteFiles(t, together, map[string]string{"x": "a,b\n1,2\n", "y": "\x00\x01\x02", "z/z/z": "label\n1\n"})
	MustWriteFiles(t, renamed, map[string]string{"q/w/e": "\x00\x01\x02", "r": "a,b\n1,2\n", "t": "label\n1\n"})

	want := MustHash(t, data, labels)
	for name, paths := range map[string][]string{
		"folders in the other order give the same hash":   {labels, data},
		"the same files in one folder give the same hash": {together},
		"renamed and moved files give the same hash":      {renamed},
	} {
		t.Run(name, func(t *testing.T) {
			if got := MustHash(t, paths...); got != want {
				t.Errorf("hash = %s, want %s", got, want)
			}
		})
	}
	t.Run("a changed byte changes the hash", func(t *testing.T) {
		MustWriteFiles(t, renamed, map[string]string{"t": "label\n2\n"})
		if got := MustHash(t, renamed); got == want {
			t.Error("hash did not change")
		}
	})
}

func TestHashFoldersSameWithAnyWorkerCount(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	var contents []string
	for i := range 50 {
		c := strings.Repeat(string(rune('a'+i%26)), i*3000)
		files[filepath.Join("d"+string(rune('a'+i%5)), "f"+string(rune('A'+i%26))+strings.Repeat("x", i))] = c
		contents = append(contents, c)
	}
	MustWriteFiles(t, dir, files)
	want := expectedHash(contents...)
	for _, workers := range []int{1, 2, 3, 16} {
		d, err := site.Hasher{Workers: workers}.Hash(context.Background(), dir)
		if err != nil {
			t.Fatalf("workers=%d: %v", workers, err)
		}
		if d.Hash != want || d.Files != 50 {
			t.Errorf("workers=%d: hash %s over %d files, want %s over 50", workers, d.Hash, d.Files, want)
		}
	}
}

func TestHashFoldersSymlinks(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	MustWriteFiles(t, outside, map[string]string{"target.txt": "target", "dir/inner.txt": "inner"})
	data := filepath.Join(root, "data")
	MustWriteFiles(t, data, map[string]string{"own.txt": "own"})
	mustSymlink(t, filepath.Join(outside, "target.txt"), filepath.Join(data, "link-to-file"))
	mustSymlink(t, filepath.Join(outside, "dir"), filepath.Join(data, "link-to-dir"))

	t.Run("a link to a file counts its target and a link to a folder is not followed", func(t *testing.T) {
		if got, want := MustHash(t, data), expectedHash("own", "target"); got != want {
			t.Errorf("hash = %s, want %s", got, want)
		}
	})
	t.Run("a link given as the path is walked", func(t *testing.T) {
		link := filepath.Join(root, "link-to-data")
		mustSymlink(t, data, link)
		if got, want := MustHash(t, link), expectedHash("own", "target"); got != want {
			t.Errorf("hash = %s, want %s", got, want)
		}
	})
	t.Run("a broken link is refused", func(t *testing.T) {
		broken := filepath.Join(root, "broken")
		MustWriteFiles(t, broken, map[string]string{"ok": "ok"})
		mustSymlink(t, filepath.Join(root, "nothing-here"), filepath.Join(broken, "dangling"))
		_, err := site.HashFolders(context.Background(), broken)
		mustCode(t, err, medperf.CodeInvalid)
	})
}

func mustSymlink(tb testing.TB, target, link string) {
	tb.Helper()
	if err := os.Symlink(target, link); err != nil {
		tb.Fatal(err)
	}
}

func mustCode(tb testing.TB, err error, want medperf.Code) {
	tb.Helper()
	if got := medperf.ErrorCode(err); got != want {
		tb.Fatalf("error %v has code %q, want %q", err, got, want)
	}
}

func TestHashFoldersBadPaths(t *testing.T) {
	root := t.TempDir()
	MustWriteFiles(t, root, map[string]string{"data/a": "a", "file.txt": "x"})
	tests := []struct {
		name  string
		paths []string
		field string
	}{
		{"a missing folder is refused", []string{filepath.Join(root, "missing")}, "PATH"},
		{"a missing second folder is refused", []string{filepath.Join(root, "data"), filepath.Join(root, "missing")}, "PATH 2"},
		{"a file is refused", []string{filepath.Join(root, "file.txt")}, "PATH"},
		{"an empty path is refused", []string{""}, "PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := site.HashFolders(context.Background(), tt.paths...)
			mustCode(t, err, medperf.CodeInvalid)
			if e := err.(*medperf.Error); e.Field != tt.field {
				t.Errorf("field = %q, want %q", e.Field, tt.field)
			}
		})
	}
	t.Run("an unreadable file is refused", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads every file; permissions cannot be tested")
		}
		dir := filepath.Join(root, "locked")
		MustWriteFiles(t, dir, map[string]string{"secret": "s"})
		if err := os.Chmod(filepath.Join(dir, "secret"), 0); err != nil {
			t.Fatal(err)
		}
		_, err := site.HashFolders(context.Background(), dir)
		mustCode(t, err, medperf.CodeInvalid)
	})
}

func TestHashFoldersCancellation(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 100 {
		files[filepath.Join("d", strings.Repeat("f", i+1))] = strings.Repeat("y", 128<<10+i)
	}
	MustWriteFiles(t, dir, files)

	t.Run("a canceled context hashes nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := site.HashFolders(ctx, dir)
		mustCode(t, err, medperf.CodeCanceled)
	})
	t.Run("canceling during the run stops it", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var reports int
		h := site.Hasher{Workers: 2, Progress: func(site.Progress) {
			reports++
			cancel() // after the first file
		}}
		_, err := h.Hash(ctx, dir)
		mustCode(t, err, medperf.CodeCanceled)
		// The other worker may finish the file it is in; nothing more.
		if reports > 2 {
			t.Errorf("%d files hashed after cancellation, want the run to stop", reports)
		}
	})
}

func TestHashFoldersProgress(t *testing.T) {
	dir := t.TempDir()
	MustWriteFiles(t, dir, map[string]string{"a": "aaaa", "b/c": strings.Repeat("c", 17<<20), "d": ""})
	var mu sync.Mutex
	var seen []site.Progress
	d, err := site.Hasher{Workers: 2, Progress: func(p site.Progress) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, p)
	}}.Hash(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	wantBytes := int64(4 + 17<<20)
	if last.Files != 3 || last.TotalFiles != 3 || last.Bytes != wantBytes || last.TotalBytes != wantBytes {
		t.Errorf("last progress = %+v, want 3 files and %d bytes done and in total", last, wantBytes)
	}
	if d.Files != 3 || d.Bytes != wantBytes {
		t.Errorf("digest = %+v, want 3 files and %d bytes", d, wantBytes)
	}
	if len(seen) < 4 { // 3 files, and one report within the 17 MiB file
		t.Errorf("%d progress reports, want at least 4", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Bytes < seen[i-1].Bytes || seen[i].Files < seen[i-1].Files {
			t.Fatalf("progress went back: %+v then %+v", seen[i-1], seen[i])
		}
	}
}

// TestHashFoldersMatchesPythonReference runs bench/medperf_hash.py, the
// algorithm as MedPerf writes it in Python, on the same folders.
func TestHashFoldersMatchesPythonReference(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	root := t.TempDir()
	data, labels := filepath.Join(root, "data"), filepath.Join(root, "labels")
	MustWriteFiles(t, data, map[string]string{"a": "1", "b/c": strings.Repeat("z", 100_000), "b/.d": ""})
	MustWriteFiles(t, labels, map[string]string{"l.csv": "id,label\n"})
	mustSymlink(t, filepath.Join(labels, "l.csv"), filepath.Join(data, "link"))
	mustSymlink(t, labels, filepath.Join(data, "dirlink"))
	out, err := exec.Command(python, filepath.Join("..", "bench", "medperf_hash.py"), data, labels).Output()
	if err != nil {
		t.Fatalf("python reference: %v", err)
	}
	if got, want := MustHash(t, data, labels), strings.TrimSpace(string(out)); got != want {
		t.Errorf("hash = %s, python reference says %s", got, want)
	}
}
