package cube

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf/cube/archive"
)

// TestFinding14TaskLogsAreCappedAndPrivate: one task wrote a 250 MiB log,
// and run-test's logs were world-readable. The log keeps the head and the
// tail and says what was cut; it is 0600 in a 0700 folder.
func TestFinding14TaskLogsAreCappedAndPrivate(t *testing.T) {
	for _, c := range []struct {
		name  string
		total int
		cut   bool
	}{
		{"a short log is kept whole", 1000, false},
		{"a log of exactly head and tail is kept whole", LogHeadBytes + LogTailBytes, false},
		{"a long log keeps its head and tail", LogHeadBytes + LogTailBytes + 5<<20 + 3, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			logFile := filepath.Join(t.TempDir(), "logs", "infer.log")
			s := &Spec{Task: &Task{Name: "infer"}, LogFile: logFile}
			out, err := s.OpenOutput()
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			for i := 0; want.Len() < c.total; i++ {
				line := fmt.Sprintf("line %09d of the task's output\n", i)
				want.WriteString(line)
			}
			want.Truncate(c.total)
			for b := want.Bytes(); len(b) > 0; { // odd-sized writes, from both streams
				k := min(len(b), 70_001)
				w := out.Stdout
				if len(b)%2 == 0 {
					w = out.Stderr
				}
				w.Write(b[:k])
				b = b[k:]
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(logFile)
			if !c.cut {
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("log of %d bytes differs from the %d written", len(got), want.Len())
				}
			} else {
				all := want.Bytes()
				cut := int64(len(all) - LogHeadBytes - LogTailBytes)
				if !bytes.HasPrefix(got, all[:LogHeadBytes]) || !bytes.HasSuffix(got, all[len(all)-LogTailBytes:]) {
					t.Error("the log does not keep the head and the tail")
				}
				if note := fmt.Sprintf("[medperf: %d bytes of the task's output were cut here", cut); !strings.Contains(string(got[LogHeadBytes:len(got)-LogTailBytes]), note) {
					t.Errorf("no line says %q", note)
				}
				if len(got) > LogHeadBytes+LogTailBytes+200 {
					t.Errorf("log is %d bytes", len(got))
				}
			}
			mustMode(t, logFile, 0o600)
			mustMode(t, filepath.Dir(logFile), 0o700)
		})
	}
}

func mustMode(tb testing.TB, p string, want fs.FileMode) {
	tb.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		tb.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
	}
}

// TestFinding14FetchedFilesArePrivate: the cache of run-test (downloads,
// extracted additional files) was 0755/0644.
func TestFinding14FetchedFilesArePrivate(t *testing.T) {
	data, sum := MustTarball(t, map[string]string{"weights/w.bin": "w", "run.sh": "#!/bin/sh"})
	src := filepath.Join(t.TempDir(), "files.tar.gz")
	os.WriteFile(src, data, 0o644)
	cache := filepath.Join(t.TempDir(), "cache")
	if _, _, err := FetchAdditionalFiles(t.Context(), nil, src, sum, cache, archive.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	if _, _, err := FetchFile(t.Context(), nil, src, sum, filepath.Join(cache, "images"), "image archive"); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if fi, _ := d.Info(); fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: group or others may read it", p, fi.Mode().Perm())
		}
		return nil
	})
}
