package cli

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

// TestServerRefusesABadMemoryLimit: a --memory-limit that is not a size (or
// is too small) is refused with the invalid status and a message naming the
// flag, before anything is created.
func TestServerRefusesABadMemoryLimit(t *testing.T) {
	for _, bad := range []string{"lots", "1m"} {
		t.Setenv("MEDPERF_HOME", t.TempDir())
		dir := filepath.Join(t.TempDir(), "data")
		code, _, errOut := runCLI(t, "server", "--addr", "127.0.0.1:0", "--data-dir", dir, "--memory-limit", bad)
		if code != exitCodes[medperf.CodeInvalid] || !strings.Contains(errOut, "memory-limit") {
			t.Fatalf("--memory-limit %s: exit %d, stderr %q", bad, code, errOut)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("--memory-limit %s: the data directory was created: %v", bad, err)
		}
	}
}

// TestServerSetsTheMemoryLimitWhileItRuns: `medperf server --memory-limit`
// sets the Go runtime's limit while it serves (and says so in its log), and
// puts the one before back when it stops.
func TestServerSetsTheMemoryLimitWhileItRuns(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: it wins over --memory-limit")
	}
	t.Setenv("MEDPERF_HOME", t.TempDir())
	before := debug.SetMemoryLimit(-1)
	out := &syncBuffer{mu: make(chan struct{}, 1)}
	errOut := &syncBuffer{mu: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- RunContext(ctx, []string{"server", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--log-format", "json", "--memory-limit", "300MiB"},
			strings.NewReader(""), out, errOut)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "listening on"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start: %s", errOut.String())
		}
	}
	if got := debug.SetMemoryLimit(-1); got != 300<<20 {
		t.Errorf("while serving: limit %d, want 300 MiB", got)
	}
	// The server's info lines are written in batches (serverlog.go): wait
	// for the next one.
	const line = `"msg":"Go memory limit","bytes":314572800,"set_by":"--memory-limit"`
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errOut.String(), line); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Errorf("no log line of the limit: %s", errOut.String())
			break
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after the server stopped: limit %d, want %d as before", got, before)
	}
}
