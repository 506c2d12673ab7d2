package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func mustFolder(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func TestDatasetHash(t *testing.T) {
	data := mustFolder(t, map[string]string{"a": "1", "b/c": "2"})
	labels := mustFolder(t, map[string]string{"l": "3"})
	want, err := site.HashFolders(context.Background(), data, labels)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("json prints the hash, files and bytes", func(t *testing.T) {
		code, out, errOut := runCLI(t, "dataset", "hash", data, labels, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
		var got site.Digest
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if (got != site.Digest{Hash: want, Files: 3, Bytes: 3}) {
			t.Errorf("got %+v, want hash %s over 3 files and 3 bytes", got, want)
		}
		if errOut != "" {
			t.Errorf("stderr %q, want nothing when it is not a terminal", errOut)
		}
	})
	for _, format := range []string{"table", "yaml"} {
		t.Run(format+" prints the hash", func(t *testing.T) {
			code, out, errOut := runCLI(t, "dataset", "hash", data, labels, "-o", format)
			if code != 0 || !strings.Contains(out, want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want the hash %s", code, out, errOut, want)
			}
			if errOut != "" {
				t.Errorf("stderr %q, want nothing when it is not a terminal", errOut)
			}
		})
	}
	bad := []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"an unknown subcommand is a usage error", []string{"dataset", "nope"}, medperf.CodeInvalid},
		{"no path is a usage error", []string{"dataset", "hash"}, medperf.CodeInvalid},
		{"a missing folder is refused", []string{"dataset", "hash", data, filepath.Join(data, "missing")}, medperf.CodeInvalid},
		{"a file instead of a folder is refused", []string{"dataset", "hash", filepath.Join(data, "a")}, medperf.CodeInvalid},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != exitCodes[tt.code] {
				t.Errorf("exit %d, want %d; stderr %q", code, exitCodes[tt.code], errOut)
			}
			if out != "" || !strings.HasPrefix(errOut, "medperf: ") {
				t.Errorf("stdout %q, stderr %q; want only a medperf: message on stderr", out, errOut)
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgressLine(&buf, func() time.Time { return now })
	p.update(site.Progress{Files: 1, TotalFiles: 3, Bytes: 1 << 20, TotalBytes: 3 << 20})
	p.update(site.Progress{Files: 2, TotalFiles: 3, Bytes: 2 << 20, TotalBytes: 3 << 20}) // within 100 ms: dropped
	now = now.Add(50 * time.Millisecond)
	p.update(site.Progress{Files: 3, TotalFiles: 3, Bytes: 3 << 20, TotalBytes: 3 << 20}) // the last one: always shown
	p.finish()
	want := "\rhashing: 1/3 files, 1.0 MiB/3.0 MiB \rhashing: 3/3 files, 3.0 MiB/3.0 MiB \n"
	if buf.String() != want {
		t.Errorf("progress output %q, want %q", buf.String(), want)
	}
}
