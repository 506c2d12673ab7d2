package medperftest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
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
// as Require(tb, HAProxy) does. HAProxy cannot be told to listen on port 0:
// the port is one that was free a moment before, and should another
// program take it in between, HAProxy is started again on another.
func StartHAProxy(tb testing.TB, checkPath string, backends ...string) string {
	tb.Helper()
	bin := Require(tb, HAProxy)
	for attempt := 1; ; attempt++ {
		url, logs := startHAProxy(tb, bin, freePort(tb), checkPath, backends)
		if url != "" {
			return url
		}
		if !strings.Contains(logs, "cannot bind socket") || attempt == 5 {
			tb.Fatalf("haproxy exited: %s", logs)
		}
	}
}

// startHAProxy starts HAProxy on port and waits until it listens there. It
// returns its base URL, or, when HAProxy exited first, "" and its output.
func startHAProxy(tb testing.TB, bin string, port int, checkPath string, backends []string) (string, string) {
	tb.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "global\n  maxconn 4096\ndefaults\n  mode http\n  retries 3\n  option redispatch\n")
	fmt.Fprintf(&b, "  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n")
	// HAProxy answers readyPath itself, with a token of this start: a
	// program that took the port in between answers otherwise.
	token := fmt.Sprintf("medperf-lb-%d-%d", port, time.Now().UnixNano())
	fmt.Fprintf(&b, "frontend medperf\n  bind 127.0.0.1:%d\n", port)
	fmt.Fprintf(&b, "  http-request return status 200 content-type text/plain string %s if { path %s }\n", token, readyPath)
	fmt.Fprintf(&b, "  default_backend replicas\n")
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
		select {
		case <-done:
			return "", logs.String()
		default:
		}
		if answers(addr, token) {
			return "http://" + addr, ""
		}
		if time.Now().After(deadline) {
			tb.Fatalf("haproxy does not listen on %s: %s", addr, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readyPath is the path that the test's HAProxy answers itself.
const readyPath = "/medperftest-haproxy-ready"

// answers reports whether addr answers GET readyPath with token.
func answers(addr, token string) bool {
	c := http.Client{Timeout: 500 * time.Millisecond}
	resp, err := c.Get("http://" + addr + readyPath)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	return err == nil && resp.StatusCode == http.StatusOK && string(body) == token
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
