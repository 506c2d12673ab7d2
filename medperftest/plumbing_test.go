package medperftest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/jackc/pgx/v5"
)

func TestDockerBuildsAndRunsScratchImage(t *testing.T) {
	c := DockerClient(t)
	id := BuildGoImage(t, c, "medperftest/hello:test", "./testdata/hello")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := c.ContainerCreate(ctx, &container.Config{Image: id}, &container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	waitC, errC := c.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		if w.StatusCode != 0 {
			t.Fatalf("container exited with %d", w.StatusCode)
		}
	case err := <-errC:
		t.Fatal(err)
	}
	logs, err := c.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true})
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, logs); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "hello from scratch\n" {
		t.Errorf("container printed %q", got)
	}
}

func TestPostgresRoundTripsARow(t *testing.T) {
	dsn := Require(t, Postgres)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1, $2)", 7, "seven"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := conn.QueryRow(ctx, "SELECT name FROM t WHERE id = $1", 7).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "seven" {
		t.Errorf("read back %q, want seven", name)
	}
}

func TestChromiumReadsPageTitle(t *testing.T) {
	path := Require(t, Chromium)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<!doctype html><title>medperf plumbing</title><p>ok</p>")
	}))
	defer srv.Close()
	ctx, cancel := NewBrowser(t, path)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "medperf plumbing" {
		t.Errorf("title %q", title)
	}
}

func TestPodmanAnswersAsPodman(t *testing.T) {
	host := Require(t, Podman)
	if !strings.HasPrefix(host, "unix://") {
		t.Fatalf("podman host %q is not a unix socket", host)
	}
}

func TestHAProxyBalancesOverBackends(t *testing.T) {
	var hits [2]int
	var mu sync.Mutex
	var addrs []string
	for i := range hits {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			hits[i]++
			mu.Unlock()
			fmt.Fprint(w, i)
		}))
		t.Cleanup(s.Close)
		addrs = append(addrs, strings.TrimPrefix(s.URL, "http://"))
	}
	url := StartHAProxy(t, "", addrs...)
	for range 4 {
		resp, err := http.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if hits[0] == 0 || hits[1] == 0 {
		t.Fatalf("requests per backend %v: want both used", hits)
	}
}

// TestHAProxyOnATakenPortIsSeenToFail starts HAProxy on a port that another
// listener holds, as when a port found free is taken before HAProxy binds
// it: the start is not mistaken for HAProxy listening (the listener
// accepts connections, but does not answer HAProxy's own ready path), and
// its output says it could not bind, which StartHAProxy retries on.
func TestHAProxyOnATakenPortIsSeenToFail(t *testing.T) {
	bin := Require(t, HAProxy)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	go http.Serve(taken, http.NotFoundHandler())
	url, logs := startHAProxy(t, bin, taken.Addr().(*net.TCPAddr).Port, "", []string{"127.0.0.1:1"})
	if url != "" {
		t.Fatalf("HAProxy seen to listen at %s, on a port another listener holds", url)
	}
	if !strings.Contains(logs, "cannot bind socket") {
		t.Fatalf("HAProxy's output does not say it could not bind (StartHAProxy retries on that):\n%s", logs)
	}
}
