package medperftest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recordingTB records how Require ended a test instead of ending it.
type recordingTB struct {
	testing.TB
	fatal, skip string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Cleanup(func())            {}
func (r *recordingTB) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (r *recordingTB) Skipf(f string, a ...any)  { r.skip = fmt.Sprintf(f, a...); runtime.Goexit() }

func requireIn(tb *recordingTB, dep string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		Require(tb, dep)
	}()
	<-done
}

func TestRequireMissingDependency(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	t.Setenv(PostgresEnv, "")
	t.Setenv(ChromiumEnv, "/nonexistent/chromium")
	t.Setenv("PATH", t.TempDir()) // no bwrap, no haproxy
	t.Setenv(PodmanHostEnv, "unix:///nonexistent/podman.sock")
	for _, dep := range Dependencies {
		t.Run(dep+" skips when not required", func(t *testing.T) {
			t.Setenv(RequireEnv, "")
			r := &recordingTB{}
			requireIn(r, dep)
			if r.skip == "" || r.fatal != "" {
				t.Fatalf("skip %q, fatal %q", r.skip, r.fatal)
			}
		})
		t.Run(dep+" fails naming it when required", func(t *testing.T) {
			t.Setenv(RequireEnv, "chromium, "+dep)
			r := &recordingTB{}
			requireIn(r, dep)
			if !strings.Contains(r.fatal, dep) {
				t.Fatalf("fatal %q does not name %s (skip %q)", r.fatal, dep, r.skip)
			}
		})
	}
}
