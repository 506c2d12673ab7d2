package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
)

// TestInterruptedCommandSaysInterruptedNotFailed runs commands under a
// context that is already canceled, as main's is after SIGINT or SIGTERM.
func TestInterruptedCommandSaysInterruptedNotFailed(t *testing.T) {
	t.Setenv(config.HomeEnv, t.TempDir())
	t.Setenv("MEDPERF_SERVER", "http://127.0.0.1:1")
	t.Setenv("MEDPERF_TOKEN", "x")
	tests := []struct {
		name       string
		args       []string
		wantResume bool
	}{
		{"a resumable command says how to continue", []string{"dataset", "prepare", "-d", "1", "--runtime", "local"}, true},
		{"a benchmark run says how to continue", []string{"benchmark", "run", "-b", "1", "-d", "1", "--runtime", "local"}, true},
		{"a command with nothing to resume only says interrupted", []string{"benchmark", "ls"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errOut strings.Builder
			code := RunContext(ctx, tt.args, strings.NewReader(""), &out, &errOut)
			if code != exitCodes[medperf.CodeCanceled] {
				t.Errorf("exit %d, want %d; stderr %s", code, exitCodes[medperf.CodeCanceled], errOut.String())
			}
			msg := errOut.String()
			if !strings.Contains(msg, "interrupted") || strings.Contains(msg, "failed") {
				t.Errorf("stderr does not say interrupted (or says failed):\n%s", msg)
			}
			if got := strings.Contains(msg, "run the same command again to continue"); got != tt.wantResume {
				t.Errorf("resume advice shown = %v, want %v:\n%s", got, tt.wantResume, msg)
			}
		})
	}
	t.Run("a command that ends normally is not reported as interrupted", func(t *testing.T) {
		var out, errOut strings.Builder
		if code := RunContext(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errOut); code != 0 || strings.Contains(errOut.String(), "interrupted") {
			t.Errorf("exit %d, stderr %s", code, errOut.String())
		}
	})
}
