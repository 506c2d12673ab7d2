package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/server"
)

// mountTinyDisk mounts a tmpfs of size bytes under a temporary directory
// and returns it, unmounted when the test ends; the test is skipped where
// mounting is not permitted (not root, no CAP_SYS_ADMIN).
func mountTinyDisk(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file in dir until the disk is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			return path
		}
	}
}

func ready(t *testing.T, ts *medperftest.TestServer) int {
	t.Helper()
	code, _ := get(t, ts.URL()+"/readyz")
	return code
}

// TestFinding12DiskFullIsUnavailableAndNotReady: with the database's disk
// full, a write is 503 (CodeUnavailable, with Retry-After), never a 500;
// /readyz says not ready; once space is freed both recover.
func TestFinding12DiskFullIsUnavailableAndNotReady(t *testing.T) {
	disk := mountTinyDisk(t, 8<<20)
	ts := medperftest.NewServer(t, func(c *server.Config) { c.DB = filepath.Join(disk, "registry.db") })
	w := ts.World(t)
	if code := ready(t, ts); code != http.StatusOK {
		t.Fatalf("readyz %d before the disk is full", code)
	}
	filler := fill(t, disk)
	// Writes until one is refused: SQLite may first commit into space its
	// write-ahead log already owns.
	var refused *medperf.Error
	for i := 0; i < 200 && refused == nil; i++ {
		in := medperftest.ContainerInput("full", medperf.StateDevelopment, medperf.TaskInfer)
		in.UserMetadata = []byte(`{"pad":"` + strings.Repeat("x", 32<<10) + `"}`)
		_, err := w.ModelOwner.CreateContainer(context.Background(), in)
		if err != nil && !errors.As(err, &refused) {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if refused == nil || refused.Code != medperf.CodeUnavailable {
		t.Fatalf("writes on a full disk: %v, want unavailable", refused)
	}
	status, retry := postStatus(t, ts, w.ModelOwner.Token)
	if status != http.StatusServiceUnavailable || retry == "" {
		t.Fatalf("POST on a full disk: %d, Retry-After %q; want 503 with Retry-After", status, retry)
	}
	if code := ready(t, ts); code != http.StatusServiceUnavailable {
		t.Fatalf("readyz %d on a full disk, want 503", code)
	}
	if _, err := w.Stranger.ListContainers(context.Background(), medperf.ContainerFilter{}); err != nil {
		t.Fatalf("reads fail on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code := ready(t, ts); code != http.StatusOK {
		t.Fatalf("readyz %d once space is free, want 200", code)
	}
	medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("after", medperf.StateDevelopment, medperf.TaskInfer))
}

// postStatus registers a container through the API and returns the status
// and the Retry-After header.
func postStatus(t *testing.T, ts *medperftest.TestServer, token string) (int, string) {
	t.Helper()
	in := medperftest.ContainerInput("raw", medperf.StateDevelopment, medperf.TaskInfer)
	body := fmt.Sprintf(`{"name":%q,"config":%s,"image_hash":%q,"user_metadata":{"pad":"%s"}}`, in.Name, in.Config, in.ImageHash, strings.Repeat("y", 32<<10))
	req, _ := http.NewRequest("POST", ts.URL()+"/api/v1/containers", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestFinding12PostgresConnectionCutIsUnavailable: while PostgreSQL
// terminates the server's connections again and again (mid-query among
// them), every request is answered with success or 503, never a 500
// ("unexpected EOF" was a 500), and readiness recovers afterwards.
func TestFinding12PostgresConnectionCutIsUnavailable(t *testing.T) {
	var dsn string
	pg := medperftest.WithPostgres(t)
	ts := medperftest.NewServer(t, pg, func(c *server.Config) { dsn = c.DB })
	w := ts.World(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	admin, err := pgx.Connect(context.Background(), os.Getenv(medperftest.PostgresEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())

	stop := make(chan struct{})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s1 := callStatus(t, ts.URL()+"/api/v1/containers?limit=100", w.Stranger.Token)
				s2, _ := postStatus(t, ts, w.ModelOwner.Token)
				mu.Lock()
				statuses[s1]++
				statuses[s2]++
				mu.Unlock()
			}
		}()
	}
	cuts := 0
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var n int
		err := admin.QueryRow(context.Background(), `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		cuts += n
	}
	close(stop)
	wg.Wait()
	t.Logf("%d connections cut; statuses %v", cuts, statuses)
	for s, n := range statuses {
		if s >= 500 && s != http.StatusServiceUnavailable {
			t.Errorf("%d requests answered %d while connections were cut, want 503", n, s)
		}
	}
	if cuts == 0 {
		t.Fatal("no connection was cut: the test proved nothing")
	}
	deadline := time.Now().Add(5 * time.Second)
	for ready(t, ts) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz did not recover after the cuts")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
