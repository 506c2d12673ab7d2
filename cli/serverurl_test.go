package cli

import (
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestLoginWithAWrongServerURL guards friction 5 of issue 13 at the command
// line: a wrong scheme or a path is a usage error (status 2) that says what
// to fix, and a URL ending in /api/v1 logs in to the server's root.
func TestLoginWithAWrongServerURL(t *testing.T) {
	ts := medperftest.NewServer(t)
	t.Setenv("MEDPERF_HOME", t.TempDir())
	t.Setenv("MEDPERF_SERVER", "")
	t.Setenv("MEDPERF_TOKEN", "")
	for name, url := range map[string]string{
		"https against http": strings.Replace(ts.URL(), "http://", "https://", 1),
		"a path":             ts.URL() + "/benchmarks",
	} {
		t.Run(name+" is a usage error", func(t *testing.T) {
			code, _, errOut := runCLI(t, "auth", "login", "--server", url, "--token", ts.Admin.Token)
			if code != exitCodes[medperf.CodeInvalid] || !strings.Contains(errOut, "use ") && !strings.Contains(errOut, "root") {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
		})
	}
	t.Run("a URL ending in /api/v1 saves the root", func(t *testing.T) {
		code, out, errOut := runCLI(t, "auth", "login", "--server", ts.URL()+"/api/v1", "--token", ts.Admin.Token, "-o", "json")
		if code != 0 || !strings.Contains(out, `"server": "`+ts.URL()+`"`) {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}
