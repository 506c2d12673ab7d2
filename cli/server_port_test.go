package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// TestServerOnATakenPort guards friction 2 of issue 13 at the command line:
// the conflict status, a message naming --addr and no advice to check
// that a server runs; nothing is written.
func TestServerOnATakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("MEDPERF_HOME", t.TempDir())
	dir := filepath.Join(t.TempDir(), "data")
	code, _, errOut := runCLI(t, "server", "--addr", taken.Addr().String(), "--data-dir", dir)
	if code != exitCodes[medperf.CodeConflict] || !strings.Contains(errOut, "--addr") || strings.Contains(errOut, "is running") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.token")); !os.IsNotExist(err) {
		t.Fatalf("admin.token written: %v", err)
	}
}
