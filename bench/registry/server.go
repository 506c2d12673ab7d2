package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is a `medperf server` child process on a fresh database.
type server struct {
	cmd     *exec.Cmd
	url     string
	token   string // the admin's
	dialect string
	db      string // the server's --db: a SQLite file or a postgres:// DSN
	pprof   string // the server's profiler, http://127.0.0.1:port, when -profile is set
	// profileDir is -profile's directory ("": none); row is the row being
	// run and part is how many profiles of it were started, which name
	// the files.
	profileDir string
	row        string
	part       int
	dir        string
	dropDB     func()
}

// startServer starts bin on a free loopback port with a fresh database:
// a SQLite file in a temporary directory, or a new database on the
// PostgreSQL server of dsn; with profile, its profiler on another free
// loopback port.
func startServer(ctx context.Context, bin, dsn string, profile bool) (*server, error) {
	dir, err := os.MkdirTemp("", "medperf-bench-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, dialect: "sqlite", dropDB: func() {}}
	db := filepath.Join(dir, "registry.db")
	if dsn != "sqlite" {
		s.dialect = "postgres"
		if db, s.dropDB, err = freshPostgres(ctx, dsn); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	s.db = db
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	s.token = "mpt_" + base64.RawURLEncoding.EncodeToString(b)
	s.url = "http://127.0.0.1:" + strconv.Itoa(port)
	args := []string{"server", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--data-dir", dir, "--db", db}
	if profile {
		pp, err := freePort()
		if err != nil {
			return nil, err
		}
		s.pprof = "http://127.0.0.1:" + strconv.Itoa(pp)
		args = append(args, "--pprof-addr", "127.0.0.1:"+strconv.Itoa(pp))
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), "MEDPERF_ADMIN_TOKEN="+s.token)
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		s.dropDB()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the server did not become ready in 30 s (log: %s)", filepath.Join(s.dir, "server.log"))
}

// stop ends the server (by its own process id) and removes its database.
func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
	s.dropDB()
	os.RemoveAll(s.dir)
}

// rssBytes returns the server's resident set size from /proc.
func (s *server) rssBytes() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// peakRSS samples the server's RSS until stop is closed and returns the
// highest value seen.
func (s *server) peakRSS(stop <-chan struct{}) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		peak := s.rssBytes()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				out <- max(peak, s.rssBytes())
				return
			case <-t.C:
				peak = max(peak, s.rssBytes())
			}
		}
	}()
	return out
}

// freshPostgres creates a database on the server of dsn and returns its DSN
// and a function that drops it.
func freshPostgres(ctx context.Context, dsn string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("the PostgreSQL DSN is not a URL: %w", err)
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer c.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	name := "medperf_bench_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("creating the bench database: %w", err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
