package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/server"
	"github.com/medperf/medperf/site"
)

// world is one end-to-end run: the binary, the server behind a recording
// proxy, the cube images, and the hosted files.
type world struct {
	t      *testing.T
	bin    string
	ts     *medperftest.TestServer
	url    string // the proxy's URL, which every user logs in to
	files  string // the URL of the hosted files (demo data, weights)
	hosted string // the folder of the hosted files
	// fetched records the path of every request to the hosted files.
	fetched *lockedBuffer
	cubes   string // folder of the cubes' container configs
	bodies  *recorder
	logs    *lockedBuffer
	admin   *user
}

// user is one person with their own MEDPERF_HOME.
type user struct {
	name, email, home, token string
	id                       int64
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// recorder keeps every request body (and URL) the server received.
type recorder struct {
	mu     sync.Mutex
	bodies []string
}

func (r *recorder) all() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.bodies, "\n")
}

// MustWorld builds the binary and the cube images, and starts the server
// behind a recording proxy and a file host.
func MustWorld(t *testing.T) *world {
	t.Helper()
	medperftest.Require(t, medperftest.Docker)
	w := &world{t: t, bodies: &recorder{}, logs: &lockedBuffer{}, fetched: &lockedBuffer{}}
	dir := t.TempDir()
	w.bin = filepath.Join(dir, "medperf")
	build := exec.Command("go", "build", "-o", w.bin, "./cmd/medperf")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	w.ts = medperftest.NewServer(t, func(c *server.Config) {
		c.Logger = slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	w.url = w.proxy(w.ts.URL())
	w.admin = &user{name: "admin", home: t.TempDir(), token: w.ts.Admin.Token, id: w.ts.Admin.ID}
	w.run(w.admin, "auth", "login", "--server", w.url, "--token", w.admin.token)
	w.buildCubes(dir)
	return w
}

// proxy starts a reverse proxy to target that records every request body.
func (w *world) proxy(target string) string {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.bodies.mu.Lock()
		w.bodies.bodies = append(w.bodies.bodies, r.Method+" "+r.URL.String()+"\n"+string(body))
		w.bodies.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(rw, r)
	}))
	w.t.Cleanup(srv.Close)
	return srv.URL
}

// buildCubes builds the reference cubes' images, tags them for this test
// only, writes their container configs, and hosts the demo tarball and
// model-logreg's weights.
func (w *world) buildCubes(dir string) {
	t := w.t
	dc := medperftest.DockerClient(t)
	var built []struct{ Cube, Image, ID string }
	w.json(w.admin, &built, "demo", "images")
	prefix := fmt.Sprintf("medperf-e2e-%d", time.Now().UnixNano())
	w.cubes = filepath.Join(dir, "cubes")
	for _, b := range built {
		tag := prefix + "/" + b.Cube + ":latest"
		if err := dc.ImageTag(context.Background(), b.ID, tag); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dc.ImageRemove(context.Background(), tag, imageRemoveOptions) })
		cdir := filepath.Join(w.cubes, b.Cube)
		os.MkdirAll(cdir, 0o755)
		mustWrite(t, filepath.Join(cdir, "container_config.yaml"), cubes.ContainerConfig(b.Cube, tag))
		params, err := os.ReadFile(filepath.Join("..", "examples", "demo", b.Cube, "parameters.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(cdir, "parameters.yaml"), params)
	}
	host := filepath.Join(dir, "hosted")
	os.MkdirAll(host, 0o755)
	w.run(w.admin, "demo", "data", "--demo", "--out", filepath.Join(host, "demo.tar.gz"))
	weights, err := os.ReadFile(filepath.Join("..", "examples", "demo", cubes.ModelLogReg, "additional_files", cubes.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(host, "weights.tar.gz"), tarGz(t, cubes.WeightsFile, weights))
	w.hosted = host
	files := http.FileServer(http.Dir(host))
	fs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w.fetched, r.URL.Path)
		files.ServeHTTP(rw, r)
	}))
	t.Cleanup(fs.Close)
	w.files = fs.URL
}

func mustWrite(t *testing.T, file string, b []byte) {
	t.Helper()
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func tarGz(t *testing.T, name string, body []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write(body)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// newUser creates an account (as the admin, through the CLI) and logs in
// from a fresh MEDPERF_HOME.
func (w *world) newUser(name string) *user {
	u := &user{name: name, email: name + "@example.org", home: w.t.TempDir()}
	var created struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	w.json(w.admin, &created, "admin", "user", "add", "--email", u.email, "--name", name)
	u.id, u.token = created.ID, created.Token
	w.run(u, "auth", "login", "--server", w.url, "--token", u.token)
	// The harness hosts the demo tarball and weights on 127.0.0.1.
	w.run(u, "profile", "set", "--allow-private-urls")
	return u
}

// command returns the command running the binary as u.
func (w *world) command(u *user, args ...string) *exec.Cmd {
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(os.Environ(), "MEDPERF_HOME="+u.home)
	return cmd
}

// exec runs the binary as u and returns its exit status and output.
func (w *world) exec(u *user, args ...string) (int, string, string) {
	w.t.Helper()
	cmd := w.command(u, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		w.t.Fatalf("running medperf: %v", err)
	}
	return 0, out.String(), errb.String()
}

// run runs the binary as u and fails the test unless it succeeds.
func (w *world) run(u *user, args ...string) string {
	w.t.Helper()
	code, out, errs := w.exec(u, args...)
	if code != 0 {
		w.t.Fatalf("%s: medperf %s: exit %d\n%s%s", u.name, strings.Join(args, " "), code, out, errs)
	}
	return out
}

// json runs the binary as u with -o json and decodes its output into v.
func (w *world) json(u *user, v any, args ...string) {
	w.t.Helper()
	out := w.run(u, append(args, "-o", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		w.t.Fatalf("%s: medperf %s: output is not JSON: %v\n%s", u.name, strings.Join(args, " "), err, out)
	}
}

// fail runs the binary as u and fails the test unless it exits with code.
func (w *world) fail(u *user, code int, args ...string) string {
	w.t.Helper()
	got, out, errs := w.exec(u, args...)
	if got != code {
		w.t.Fatalf("%s: medperf %s: exit %d, want %d\n%s%s", u.name, strings.Join(args, " "), got, code, out, errs)
	}
	return errs
}

// storage is u's storage root of the server.
func (w *world) storage(u *user) string { return site.StorageDir(u.home, w.url) }

// cube is the container config of a reference cube, and its parameters.
func (w *world) cube(name string) (string, string) {
	return filepath.Join(w.cubes, name, "container_config.yaml"), filepath.Join(w.cubes, name, "parameters.yaml")
}

func (w *world) ctx() context.Context { return context.Background() }

// latest returns the pair's latest association on the server.
func (w *world) latest(b int64, kind medperf.ComponentKind, id int64) medperf.Association {
	w.t.Helper()
	h, err := w.ts.Admin.AssociationHistory(w.ctx(), b, kind, id)
	if err != nil || len(h) == 0 {
		w.t.Fatalf("association history of benchmark %d %s %d: %v", b, kind, id, err)
	}
	return h[len(h)-1]
}

// imageRemoveOptions untags without removing an image other tags still use.
var imageRemoveOptions = image.RemoveOptions{}
