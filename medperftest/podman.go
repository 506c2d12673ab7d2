package medperftest

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// PodmanHostEnv names the address of Podman's Docker-compatible socket that
// tests use; without it, CONTAINER_HOST, then root's /run/podman/podman.sock.
const PodmanHostEnv = "MEDPERF_TEST_PODMAN_HOST"

// podmanHost returns the unix:// address of a Podman service that answers a
// ping, or a reason why there is none. Podman must be the engine behind the
// socket: a Docker engine there would make a Podman test prove nothing.
func podmanHost() (string, string) {
	host := os.Getenv(PodmanHostEnv)
	if host == "" {
		host = os.Getenv("CONTAINER_HOST")
	}
	if host == "" {
		host = "unix:///run/podman/podman.sock"
	}
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		return "", host + " is not a unix:// address"
	}
	c := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://podman/_ping")
	if err != nil {
		return "", "no Podman service answers at " + host + " (start one with 'podman system service --time=0 " + host + "'): " + err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Libpod-Api-Version") == "" {
		return "", "the engine at " + host + " is not Podman"
	}
	return host, ""
}
