package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// TestFinding16LoginKeepsTheTokenOffTheCommandLine: `auth login --token X`
// left the token in the process list. The token is read from standard
// input (or a prompt without echo on a terminal); --token still works for
// scripts, with a warning.
func TestFinding16LoginKeepsTheTokenOffTheCommandLine(t *testing.T) {
	ts := medperftest.NewServer(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	t.Setenv("MEDPERF_SERVER", "")
	t.Setenv("MEDPERF_TOKEN", "")
	token := ts.Admin.Token
	login := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Run(append([]string{"auth", "login", "--server", ts.URL()}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	for _, c := range []struct {
		name, stdin string
		args        []string
		code        int
		warns       bool
	}{
		{"standard input is read by default", token + "\n", nil, 0, false},
		{"--token-stdin reads standard input", token, []string{"--token-stdin"}, 0, false},
		{"--token - reads standard input", token + "\n", []string{"--token", "-"}, 0, false},
		{"--token works with a warning", "", []string{"--token", token}, 0, true},
		{"no token is invalid", "", nil, exitCodes[medperf.CodeInvalid], false},
		{"--token with --token-stdin is invalid", token, []string{"--token", token, "--token-stdin"}, exitCodes[medperf.CodeInvalid], false},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := login(c.stdin, c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %s%s", code, c.code, out, errOut)
			}
			if warned := strings.Contains(errOut, "process list"); warned != c.warns {
				t.Errorf("warning shown: %v, want %v (%q)", warned, c.warns, errOut)
			}
			if strings.Contains(out+errOut, token) {
				t.Error("the token is printed")
			}
		})
	}
}
