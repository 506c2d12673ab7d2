package medperftest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// haproxyPath returns the path of HAProxy, the load balancer of the replica
// tests, or a reason why it is missing.
func haproxyPath() (string, string) {
	p, err := exec.LookPath("haproxy")
	if err != nil {
		return "", "haproxy is not in PATH (install Debian's haproxy)"
	}
	return p, ""
}

// StartHAProxy runs HAProxy in the foreground as an HTTP load balancer on a
// free loopback port, round-robin over backends (host:port addresses, each
// health-checked with GET path every 200 ms; empty path: no checks), and
// returns its base URL. HAProxy stops when the test ends. It skips or fails
// as Require(tb, HAProxy) does.
func StartHAProxy(tb testing.TB, checkPath string, backends ...string) string {
	tb.Helper()
	bin := Require(tb, HAProxy)
	port := freePort(tb)
	var b strings.Builder
	fmt.Fprintf(&b, "global\n  maxconn 4096\ndefaults\n  mode http\n  retries 3\n  option redispatch\n")
	fmt.Fprintf(&b, "  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n")
	fmt.Fprintf(&b, "frontend medperf\n  bind 127.0.0.1:%d\n  default_backend replicas\n", port)
	fmt.Fprintf(&b, "backend replicas\n  balance roundrobin\n")
	check := ""
	if checkPath != "" {
		fmt.Fprintf(&b, "  option httpchk GET %s\n", checkPath)
		check = " check inter 200ms fall 1 rise 1"
	}
	for i, addr := range backends {
		fmt.Fprintf(&b, "  server r%d %s%s\n", i, addr, check)
	}
	cfg := filepath.Join(tb.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", cfg)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start haproxy: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case <-done:
			tb.Fatalf("haproxy exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("haproxy does not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago, for
// programs that cannot be told to listen on port 0.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
