package docker

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/archive"
	"github.com/medperf/medperf/medperftest"
)

// probeTag is unique to this test process, so that test runs sharing one
// engine (several checkouts, CI beside a developer) never move each other's tags.
var archiveTag = fmt.Sprintf("medperf-cube-probe-archive:test-%d", os.Getpid())

var probeTag = fmt.Sprintf("medperf-cube-probe:test-%d", os.Getpid())

// probeConfig is a container_config.yaml for the probe image: infer reads
// data_path and writes output_path.
func probeConfig(tb testing.TB, typ cube.ContainerType, image string) *cube.Config {
	tb.Helper()
	src := fmt.Sprintf("container_type: %s\nimage: %s\ntasks:\n  infer:\n    input_volumes:\n      data_path: {mount_path: /mlcommons/volumes/data, type: directory}\n    output_volumes:\n      output_path: {mount_path: /mlcommons/volumes/predictions, type: directory}\n", typ, image)
	c, err := cube.ParseConfig("container_config.yaml", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// run is one probe run's inputs and results.
type run struct {
	spec   *cube.Spec
	out    *bytes.Buffer
	data   string
	output string
}

// MustProbeSpec returns a Spec that runs the probe with args as its checks.
func MustProbeSpec(tb testing.TB, cfg *cube.Config, edit func(*cube.Request), args ...string) *run {
	tb.Helper()
	root := tb.TempDir()
	data := filepath.Join(root, "data")
	os.Mkdir(data, 0o755)
	os.WriteFile(filepath.Join(data, "case1.txt"), []byte("patient\n"), 0o644)
	var out bytes.Buffer
	req := cube.Request{
		Config: cfg, Task: "infer", Stdout: &out, LogFile: filepath.Join(root, "logs", "infer.log"),
		Mounts: map[string]string{"data_path": data, "output_path": filepath.Join(root, "predictions")},
	}
	if edit != nil {
		edit(&req)
	}
	spec, err := cube.NewSpec(req)
	if err != nil {
		tb.Fatal(err)
	}
	spec.Command = args
	return &run{spec: spec, out: &out, data: data, output: filepath.Join(root, "predictions")}
}

// results parses the probe's "[infer] mode=result" lines.
func (r *run) results() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(r.out.String(), "\n") {
		line = strings.TrimPrefix(line, "[infer] ")
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

// managedContainers lists the containers carrying medperf's label that the
// process pid owns (other test packages may run containers meanwhile).
func managedContainers(tb testing.TB, c *client.Client, pid int) []container.Summary {
	tb.Helper()
	list, err := c.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", LabelManaged+"=true"), filters.Arg("label", LabelPID+"="+strconv.Itoa(pid)))})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// hostListener listens on addr and accepts (and closes) connections.
func hostListener(tb testing.TB, addr string) string {
	tb.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// bridgeGateway returns the host's address on Docker's default bridge.
func bridgeGateway(tb testing.TB, c *client.Client) string {
	tb.Helper()
	n, err := c.NetworkInspect(context.Background(), "bridge", network.InspectOptions{})
	if err != nil || len(n.IPAM.Config) == 0 {
		tb.Fatalf("cannot find the bridge gateway: %v", err)
	}
	if gw := n.IPAM.Config[0].Gateway; gw != "" {
		return gw
	}
	// Docker 20.10 leaves Gateway out when it chose the default: the
	// subnet's first address.
	prefix, err := netip.ParsePrefix(n.IPAM.Config[0].Subnet)
	if err != nil {
		tb.Fatalf("bridge subnet: %v", err)
	}
	return prefix.Masked().Addr().Next().String()
}

func TestDocker(t *testing.T) {
	c := medperftest.DockerClient(t)
	imageID := mustProbeImage(t, c, probeTag, "cube/docker")
	rt := NewWithClient(c, t.TempDir())
	cfg := probeConfig(t, cube.DockerImage, probeTag)
	ctx := context.Background()

	t.Run("isolation defaults hold inside the container", func(t *testing.T) {
		local := hostListener(t, "127.0.0.1:0")
		_, port, _ := net.SplitHostPort(hostListener(t, "0.0.0.0:0"))
		gateway := net.JoinHostPort(bridgeGateway(t, c), port)
		r := MustProbeSpec(t, cfg, nil, "ifaces", "dial:"+local, "dial:"+gateway,
			"write:/mlcommons/volumes/data/x", "write:/etc/x", "write:/tmp/x", "capeff", "nonewprivs", "id",
			"read:/mlcommons/volumes/data/case1.txt", "write:/mlcommons/volumes/predictions/p.txt", "env:HOME")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		want := map[string]string{
			"ifaces": "lo", "dial": "failed", "capeff": "0000000000000000", "nonewprivs": "1",
			"id": taskUser(), "read": "patient", "env": "/tmp",
		}
		got := r.results()
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q\n%s", k, got[k], v, r.out)
			}
		}
		// "write" and "dial" are printed several times, in argument order.
		if n := strings.Count(r.out.String(), "dial=failed"); n != 2 {
			t.Errorf("%d of 2 dials failed\n%s", n, r.out)
		}
		// /etc is root's, and the task is never root: only /tmp is its own.
		if s := r.out.String(); !strings.Contains(s, "write=failed\n[infer] write=failed\n[infer] write=ok\n") {
			t.Errorf("the input and root's folders must not be writable, /tmp must\n%s", s)
		}
		if !strings.Contains(r.out.String(), "read=patient\n[infer] write=ok") {
			t.Errorf("the output must be writable\n%s", r.out)
		}
		uid, gid := cube.ExpectedTaskUser()
		assertOwner(t, filepath.Join(r.output, "p.txt"), uid, gid)
		if _, err := os.Stat(filepath.Join(r.data, "x")); !os.IsNotExist(err) {
			t.Error("the container wrote into its input")
		}
	})

	t.Run("with --allow-network the host is reachable, so the isolation check can fail", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(hostListener(t, "0.0.0.0:0"))
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.Network = true }, "dial:"+net.JoinHostPort(bridgeGateway(t, c), port), "ifaces")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		if got := r.results(); got["dial"] != "connected" || got["ifaces"] == "lo" {
			t.Errorf("with a network: %v", got)
		}
	})

	t.Run("outputs belong to the user the task runs as", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("only root can run a task as another user")
		}
		r := MustProbeSpec(t, cfg, nil, "id", "write:/mlcommons/volumes/predictions/p.txt")
		r.spec.UID, r.spec.GID = 4321, 4322
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		if got := r.results()["id"]; got != "4321:4322" {
			t.Errorf("ran as %s", got)
		}
		assertOwner(t, r.output, 4321, 4322)
		assertOwner(t, filepath.Join(r.output, "p.txt"), 4321, 4322)
	})

	t.Run("memory, CPU, pids and shm limits are applied", func(t *testing.T) {
		// cgroups v1 and v2 name the limit files differently; the probe reads both.
		r := MustProbeSpec(t, cfg, func(q *cube.Request) {
			q.Memory, q.CPUs, q.Pids, q.ShmSize = 96<<20, 0.5, 77, 32<<20
		}, "shm",
			"read:/sys/fs/cgroup/memory/memory.limit_in_bytes", "read:/sys/fs/cgroup/memory.max",
			"read:/sys/fs/cgroup/pids/pids.max", "read:/sys/fs/cgroup/pids.max",
			"read:/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "read:/sys/fs/cgroup/cpu.max")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		out := r.out.String()
		if r.results()["shm"] != strconv.Itoa(32<<20) {
			t.Errorf("/dev/shm is not 32MiB:\n%s", out)
		}
		for _, want := range []string{"read=" + strconv.Itoa(96<<20) + "\n", "read=77\n", "read=50000"} {
			if !strings.Contains(out, want) {
				t.Errorf("limit %q not applied:\n%s", strings.TrimSpace(want), out)
			}
		}
	})

	t.Run("a task past its timeout is killed and nothing is left", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.Timeout = 2 * time.Second }, "sleep:60s")
		err := rt.Run(ctx, r.spec)
		var te *cube.TimeoutError
		if !errors.As(err, &te) || medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatalf("got %v, want a timeout", err)
		}
		if left := managedContainers(t, c, os.Getpid()); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})

	t.Run("a canceled run is killed and nothing is left", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, nil, "sleep:60s")
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(2*time.Second, cancel)
		err := rt.Run(cctx, r.spec)
		var te *cube.TimeoutError
		if medperf.ErrorCode(err) != medperf.CodeCanceled || errors.As(err, &te) {
			t.Fatalf("got %v, want canceled (not a timeout)", err)
		}
		if left := managedContainers(t, c, os.Getpid()); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})

	t.Run("a task past its memory limit is reported out of memory", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.Memory = 32 << 20 }, "alloc:512")
		err := rt.Run(ctx, r.spec)
		var oom *cube.OOMError
		if !errors.As(err, &oom) || medperf.ErrorCode(err) != medperf.CodeTooLarge || oom.Limit != 32<<20 {
			t.Fatalf("got %v, want out of memory\n%s", err, r.out)
		}
	})

	t.Run("a non-zero exit is an exit error", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, nil, "id", "exit:3")
		err := rt.Run(ctx, r.spec)
		var ee *cube.ExitError
		if !errors.As(err, &ee) || ee.Status != 3 || medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want exit status 3", err)
		}
		log, _ := os.ReadFile(r.spec.LogFile)
		if !strings.HasPrefix(string(log), "id=") {
			t.Errorf("log file %q does not hold the output", log)
		}
		if !strings.HasPrefix(r.out.String(), "[infer] id=") {
			t.Errorf("output %q is not prefixed", r.out)
		}
	})

	t.Run("the registered image id is accepted", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.ImageHash = imageID }, "id")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a wrong image hash is refused before anything runs", func(t *testing.T) {
		r := MustProbeSpec(t, cfg, func(q *cube.Request) { q.ImageHash = strings.Repeat("ab", 32) }, "id")
		err := rt.Run(ctx, r.spec)
		var mismatch *cube.HashMismatchError
		if !errors.As(err, &mismatch) || medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want a hash mismatch", err)
		}
		if _, err := os.Stat(r.output); !os.IsNotExist(err) {
			t.Error("outputs were created before the image was verified")
		}
		if r.out.Len() != 0 {
			t.Errorf("the task ran: %s", r.out)
		}
	})

	t.Run("a DockerArchive is loaded from its verified tar and a wrong hash is refused", func(t *testing.T) {
		// An image of its own (the label makes its id differ from the probe's),
		// saved and then removed, so that the run must load it.
		archiveID := mustProbeImage(t, c, archiveTag, "cube/docker archive")
		tarball := filepath.Join(t.TempDir(), "probe.tar")
		saveImage(t, c, archiveTag, tarball)
		if _, err := c.ImageRemove(ctx, archiveID, image.RemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
		sum, err := cube.FileSHA256(tarball)
		if err != nil {
			t.Fatal(err)
		}
		acfg := probeConfig(t, cube.DockerArchive, tarball)
		bad := MustProbeSpec(t, acfg, func(q *cube.Request) { q.ImageHash = strings.Repeat("cd", 32) }, "id")
		var mismatch *cube.HashMismatchError
		if err := rt.Run(ctx, bad.spec); !errors.As(err, &mismatch) {
			t.Fatalf("got %v, want a hash mismatch", err)
		}
		if _, err := c.ImageInspect(ctx, archiveID); err == nil {
			t.Error("the archive was loaded although its hash was wrong")
		}
		r := MustProbeSpec(t, acfg, func(q *cube.Request) { q.ImageHash = sum }, "id")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		if r.results()["id"] == "" {
			t.Errorf("the archived image did not run: %s", r.out)
		}
		if _, err := c.ImageInspect(ctx, archiveID); err != nil {
			t.Errorf("the archive's image is not loaded: %v", err)
		}
	})

	t.Run("additional files are verified, extracted and mounted read-only", func(t *testing.T) {
		tarball, sum := mustWeightsTarball(t)
		cache := t.TempDir()
		files, _, err := cube.FetchAdditionalFiles(ctx, nil, tarball, sum, cache, archive.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		src := "container_type: DockerImage\nimage: " + probeTag + "\ntasks:\n  infer:\n    input_volumes: {data_path: , additional_files: }\n    output_volumes: {output_path: }\n"
		acfg, err := cube.ParseConfig("container_config.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		// The cache is medperf's own: a root invocation gives its files to
		// the task's user (the extraction is private, 0700).
		r := MustProbeSpec(t, acfg, func(q *cube.Request) { q.AdditionalFiles = files; q.Managed = []string{cache} },
			"read:/mlcommons/volumes/additional_files/weights/model.bin", "write:/mlcommons/volumes/additional_files/weights/model.bin")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		if got := r.results(); got["read"] != "w0" || got["write"] != "failed" {
			t.Errorf("additional files: %v", got)
		}
	})

	t.Run("a legacy mlcube task gets its parameters as --key=path arguments", func(t *testing.T) {
		dir := t.TempDir()
		src := "name: probe\ndocker:\n  image: " + probeTag + "\ntasks:\n  infer:\n    parameters:\n      inputs:\n        data_path: {type: directory, default: data}\n        parameters_file: {type: file, default: parameters.yaml}\n      outputs:\n        output_path: {type: directory, default: predictions}\n"
		lcfg, err := cube.ParseConfig(filepath.Join(dir, "mlcube.yaml"), []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "workspace", "data"), 0o755)
		os.WriteFile(filepath.Join(dir, "workspace", "parameters.yaml"), []byte("a: 1\n"), 0o644)
		var out bytes.Buffer
		spec, err := cube.NewSpec(cube.Request{Config: lcfg, Task: "infer", Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Run(ctx, spec); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		want := "[infer] infer=unknown mode\n[infer] data_path=directory\n[infer] parameters_file=file\n[infer] output_path=directory\n"
		if out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
		if fi, err := os.Stat(filepath.Join(dir, "workspace", "predictions")); err != nil || !fi.IsDir() {
			t.Error("the workspace output was not created")
		}
	})

	t.Run("containers of a killed parent are removed by the next runtime", func(t *testing.T) {
		child := exec.Command(os.Args[0], "-test.run=^TestDockerChildProcess$")
		child.Env = append(os.Environ(), "MEDPERF_DOCKER_CHILD="+probeTag)
		var childOut bytes.Buffer
		child.Stdout, child.Stderr = &childOut, &childOut
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for len(managedContainers(t, c, child.Process.Pid)) == 0 {
			if time.Now().After(deadline) {
				child.Process.Kill()
				t.Fatalf("the child never started its container:\n%s", childOut.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		if len(managedContainers(t, c, child.Process.Pid)) != 1 {
			t.Fatal("the killed parent's container should still exist before the sweep")
		}
		n, err := NewWithClient(c, t.TempDir()).RemoveStale(ctx)
		if err != nil || n < 1 {
			t.Fatalf("removed %d, %v", n, err)
		}
		if left := managedContainers(t, c, child.Process.Pid); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})
}

// TestDockerChildProcess is the child of the killed-parent test: it runs a
// long task and is killed by its parent.
func TestDockerChildProcess(t *testing.T) {
	tag := os.Getenv("MEDPERF_DOCKER_CHILD") // the parent's probe image
	if tag == "" {
		t.Skip("helper process of TestDocker")
	}
	c := medperftest.DockerClient(t)
	r := MustProbeSpec(t, probeConfig(t, cube.DockerImage, tag), nil, "sleep:120s")
	NewWithClient(c, t.TempDir()).Run(context.Background(), r.spec)
}

func assertOwner(tb testing.TB, p string, uid, gid int) {
	tb.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		tb.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if int(st.Uid) != uid || int(st.Gid) != gid {
		tb.Errorf("%s is owned by %d:%d, want %d:%d", filepath.Base(p), st.Uid, st.Gid, uid, gid)
	}
}

func saveImage(tb testing.TB, c *client.Client, ref, dst string) {
	tb.Helper()
	rc, err := c.ImageSave(context.Background(), []string{ref})
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	f, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		tb.Fatal(err)
	}
}

// mustWeightsTarball writes a tar.gz holding weights/model.bin and returns
// its path and sha256.
func mustWeightsTarball(tb testing.TB) (string, string) {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "weights/model.bin", Mode: 0o644, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("w0"))
	tw.Close()
	zw.Close()
	p := filepath.Join(tb.TempDir(), "weights.tar.gz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	sum, err := cube.FileSHA256(p)
	if err != nil {
		tb.Fatal(err)
	}
	return p, sum
}

// mustProbeImage builds the probe into a FROM scratch image tagged tag. The
// label makes its id unique to the caller: images built from the same
// program elsewhere (other test packages) would otherwise share its id, and
// their cleanup would remove this tag too.
func mustProbeImage(tb testing.TB, c *client.Client, tag, label string) string {
	tb.Helper()
	binary := probeBinary(tb)
	return medperftest.BuildImage(tb, c, tag, map[string][]byte{
		"Dockerfile": []byte(fmt.Sprintf("FROM scratch\nLABEL org.medperf.test=%q\nCOPY app /app\nENTRYPOINT [\"/app\"]\n", label)),
		"app":        binary,
	})
}

// probeBinary compiles the probe program, static, and returns its bytes.
func probeBinary(tb testing.TB) []byte {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "probe")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		tb.Fatal(err)
	}
	return binary
}

// taskUser is the probe's "id" result for a task whose inputs the test
// made: never root (issue 13, container contract 6).
func taskUser() string {
	uid, gid := cube.ExpectedTaskUser()
	return fmt.Sprintf("%d:%d", uid, gid)
}
