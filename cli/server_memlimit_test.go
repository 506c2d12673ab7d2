package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
