package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// runCLI runs the command line in-process and returns its exit status,
// stdout and stderr.
func runCLI(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "version", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"version", "commit", "go"} {
		if v[k] == "" {
			t.Errorf("key %q is empty in %v", k, v)
		}
	}
	if !strings.HasPrefix(v["go"], "go1.") {
		t.Errorf("go = %q, want a Go version", v["go"])
	}
}

func TestVersionFormats(t *testing.T) {
	for _, f := range []string{"table", "yaml"} {
		t.Run(f+" prints the go version", func(t *testing.T) {
			code, out, _ := runCLI(t, "version", "-o", f)
			if code != 0 || !strings.Contains(out, "go1.") {
				t.Fatalf("exit %d, output %q", code, out)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"unknown command", []string{"no-such-command"}},
		{"unknown flag", []string{"version", "--no-such-flag"}},
		{"unknown output format", []string{"version", "-o", "xml"}},
		{"unexpected argument", []string{"version", "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" exits with the usage status", func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != exitCodes[medperf.CodeInvalid] {
				t.Errorf("exit %d, want %d; stderr %q", code, exitCodes[medperf.CodeInvalid], errOut)
			}
			if !strings.HasPrefix(errOut, "medperf: ") {
				t.Errorf("stderr %q does not start with medperf:", errOut)
			}
		})
	}
}

func TestExitCodesAreDistinct(t *testing.T) {
	seen := map[int]medperf.Code{}
	for _, c := range medperf.Codes {
		status, ok := exitCodes[c]
		if !ok {
			t.Errorf("code %q has no exit status", c)
			continue
		}
		if prev, dup := seen[status]; dup {
			t.Errorf("codes %q and %q share exit status %d", prev, c, status)
		}
		seen[status] = c
		if got := ExitCode(medperf.Errorf(c, "x")); got != status {
			t.Errorf("ExitCode(%q) = %d, want %d", c, got, status)
		}
	}
}
