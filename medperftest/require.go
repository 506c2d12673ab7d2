package medperftest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The dependencies Require knows.
const (
	Docker   = "docker"
	Postgres = "postgres"
	Chromium = "chromium"
	Bwrap    = "bwrap"
	Podman   = "podman"
	HAProxy  = "haproxy"
)

// Dependencies lists every dependency Require knows.
var Dependencies = []string{Docker, Postgres, Chromium, Bwrap, Podman, HAProxy}

// RequireEnv is the environment variable that lists, comma-separated, the
// dependencies whose absence fails a test instead of skipping it.
const RequireEnv = "MEDPERF_TEST_REQUIRE"

// Require returns what a test needs from dependency dep, or skips the test
// when dep is unavailable (fails it when MEDPERF_TEST_REQUIRE names dep):
//   - Docker: the engine's host address, after a successful ping;
//   - Postgres: the DSN of a new, empty database that is dropped when the
//     test ends (the server comes from MEDPERF_TEST_POSTGRES_DSN);
//   - Chromium: the path of the browser executable;
//   - Bwrap: the path of bubblewrap, the local runtime's sandbox;
//   - Podman: the unix:// address of Podman's Docker-compatible service,
//     after a ping that Podman answered;
//   - HAProxy: the path of the haproxy executable.
func Require(tb testing.TB, dep string) string {
	tb.Helper()
	var (
		v      string
		reason string
	)
	switch dep {
	case Docker:
		v, reason = dockerHost(tb)
	case Postgres:
		v, reason = postgresDB(tb)
	case Chromium:
		v, reason = chromiumPath()
	case Bwrap:
		v, reason = bwrapPath()
	case Podman:
		v, reason = podmanHost()
	case HAProxy:
		v, reason = haproxyPath()
	default:
		tb.Fatalf("medperftest.Require: unknown dependency %q (want one of %s)", dep, strings.Join(Dependencies, ", "))
	}
	if reason == "" {
		return v
	}
	if required(dep) {
		tb.Fatalf("%s is required (%s=%s) but unavailable: %s", dep, RequireEnv, os.Getenv(RequireEnv), reason)
	}
	tb.Skipf("skipping: %s unavailable: %s (set %s=%s to make this a failure)", dep, reason, RequireEnv, dep)
	return ""
}

// required reports whether MEDPERF_TEST_REQUIRE names dep.
func required(dep string) bool {
	names := strings.Split(os.Getenv(RequireEnv), ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	return slices.Contains(names, dep)
}

func bwrapPath() (string, string) {
	p, err := exec.LookPath("bwrap")
	if err != nil {
		return "", "bwrap is not in PATH (install Debian's bubblewrap)"
	}
	return p, ""
}
