package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/medperftest"
)

// MustBuildProbe compiles the probe program and returns its path.
func MustBuildProbe(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "bin", "probe")
	cmd := exec.Command("go", "build", "-o", bin, "../testdata/probe")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build probe: %v\n%s", err, out)
	}
	return bin
}

// requireBwrap skips when bubblewrap is missing (fails when
// MEDPERF_TEST_REQUIRE names bwrap, as in CI).
func requireBwrap(tb testing.TB) {
	tb.Helper()
	medperftest.Require(tb, medperftest.Bwrap)
}

type run struct {
	spec   *cube.Spec
	out    *bytes.Buffer
	data   string
	output string
}

// MustProbeSpec returns a Spec running the probe binary with args as checks.
func MustProbeSpec(tb testing.TB, probe string, edit func(*cube.Request), args ...string) *run {
	tb.Helper()
	src := fmt.Sprintf("container_type: DockerImage\nimage: %s\ntasks:\n  infer:\n    input_volumes:\n      data_path: {mount_path: /mlcommons/volumes/data, type: directory}\n    output_volumes:\n      output_path: {mount_path: /mlcommons/volumes/predictions, type: directory}\n", probe)
	cfg, err := cube.ParseConfig(filepath.Join(tb.TempDir(), "container_config.yaml"), []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	root := tb.TempDir()
	data := filepath.Join(root, "data")
	os.Mkdir(data, 0o755)
	os.WriteFile(filepath.Join(data, "case1.txt"), []byte("patient\n"), 0o644)
	var out bytes.Buffer
	req := cube.Request{Config: cfg, Task: "infer", Stdout: &out,
		Mounts: map[string]string{"data_path": data, "output_path": filepath.Join(root, "predictions")}}
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

func (r *run) results() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(r.out.String(), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "[infer] "), "="); ok {
			m[k] = v
		}
	}
	return m
}

func hostListener(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
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

// processesWith lists the pids whose command line holds marker.
func processesWith(marker string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(marker)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// sandboxStarted reports whether a process runs probe with marker in its
// arguments and its parent (bwrap's pid 1) is waiting for it.
func sandboxStarted(probe, marker string) bool {
	for _, pid := range processesWith(marker) {
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		if !bytes.HasPrefix(cmdline, []byte(probe+"\x00")) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		fields := bytes.Fields(stat[bytes.LastIndexByte(stat, ')')+1:])
		if len(fields) < 2 {
			continue
		}
		wchan, _ := os.ReadFile(filepath.Join("/proc", string(fields[1]), "wchan"))
		if string(wchan) == "do_wait" {
			return true
		}
	}
	return false
}

func TestLocalSandbox(t *testing.T) {
	requireBwrap(t)
	probe := MustBuildProbe(t)
	rt := &Runtime{}
	ctx := context.Background()
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("host secret\n"), 0o644)

	t.Run("isolation defaults hold inside the sandbox", func(t *testing.T) {
		r := MustProbeSpec(t, probe, nil, "ifaces", "dial:"+hostListener(t), "capeff", "nonewprivs", "id",
			"read:/mlcommons/volumes/data/case1.txt", "read:"+secret,
			"write:/mlcommons/volumes/data/x", "write:/usr/x", "write:/tmp/x", "write:/mlcommons/volumes/predictions/p.txt")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		got := r.results()
		want := map[string]string{"ifaces": "lo", "dial": "failed", "capeff": "0000000000000000", "nonewprivs": "1",
			"id": fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s = %q, want %q\n%s", k, got[k], v, r.out)
			}
		}
		if !strings.Contains(r.out.String(), "read=patient\n[infer] read=failed\n") {
			t.Errorf("the input must be readable and other host files not\n%s", r.out)
		}
		if !strings.Contains(r.out.String(), "write=failed\n[infer] write=failed\n[infer] write=ok\n[infer] write=ok\n") {
			t.Errorf("input and system dirs must be read-only; /tmp and outputs writable\n%s", r.out)
		}
		if _, err := os.Stat(filepath.Join(r.data, "x")); !os.IsNotExist(err) {
			t.Error("the task wrote into its input")
		}
		fi, err := os.Stat(filepath.Join(r.output, "p.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Getuid() {
			t.Errorf("output owned by %d", st.Uid)
		}
	})

	t.Run("with a network the host is reachable, so the isolation check can fail", func(t *testing.T) {
		r := MustProbeSpec(t, probe, func(q *cube.Request) { q.Network = true }, "dial:"+hostListener(t))
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatal(err)
		}
		if got := r.results()["dial"]; got != "connected" {
			t.Errorf("dial = %q with a network", got)
		}
	})

	t.Run("a task past its timeout is killed and no process is left", func(t *testing.T) {
		marker := fmt.Sprintf("sleep:%ds", 100+os.Getpid()%100)
		r := MustProbeSpec(t, probe, func(q *cube.Request) { q.Timeout = time.Second }, marker)
		err := rt.Run(ctx, r.spec)
		var te *cube.TimeoutError
		if !errors.As(err, &te) || medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatalf("got %v, want a timeout", err)
		}
		time.Sleep(200 * time.Millisecond)
		if left := processesWith(marker); len(left) != 0 {
			t.Errorf("processes left: %v", left)
		}
	})

	t.Run("the sandbox dies with its parent", func(t *testing.T) {
		marker := fmt.Sprintf("sleep:%ds", 300+os.Getpid()%100)
		child := exec.Command(os.Args[0], "-test.run=^TestLocalChildProcess$")
		child.Env = append(os.Environ(), "MEDPERF_LOCAL_CHILD="+marker, "MEDPERF_LOCAL_PROBE="+probe)
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill the parent only once the sandbox is fully started: the probe
		// runs and bwrap's pid 1 waits for it. bwrap binds that pid 1 to its
		// launcher only then (before, a dead launcher leaves it running);
		// the launcher itself is bound to medperf from its first instruction.
		deadline := time.Now().Add(30 * time.Second)
		for !sandboxStarted(probe, marker) {
			if time.Now().After(deadline) {
				child.Process.Kill()
				t.Fatalf("the child never started its sandbox: %v", processesWith(marker))
			}
			time.Sleep(20 * time.Millisecond)
		}
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		deadline = time.Now().Add(5 * time.Second)
		for len(processesWith(marker)) != 0 {
			if time.Now().After(deadline) {
				t.Fatalf("processes left after the parent died: %v", processesWith(marker))
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("a canceled run is killed", func(t *testing.T) {
		r := MustProbeSpec(t, probe, nil, "sleep:60s")
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(time.Second, cancel)
		err := rt.Run(cctx, r.spec)
		var te *cube.TimeoutError
		if medperf.ErrorCode(err) != medperf.CodeCanceled || errors.As(err, &te) {
			t.Fatalf("got %v, want canceled", err)
		}
	})

	t.Run("a non-zero exit is an exit error", func(t *testing.T) {
		r := MustProbeSpec(t, probe, nil, "exit:4")
		var ee *cube.ExitError
		if err := rt.Run(ctx, r.spec); !errors.As(err, &ee) || ee.Status != 4 {
			t.Fatalf("got %v, want exit status 4", err)
		}
	})
}

// TestLocalChildProcess is the child of the parent-death test: it runs a
// long sandboxed task and is killed by its parent.
func TestLocalChildProcess(t *testing.T) {
	marker := os.Getenv("MEDPERF_LOCAL_CHILD")
	if marker == "" {
		t.Skip("helper process of TestLocalSandbox")
	}
	r := MustProbeSpec(t, os.Getenv("MEDPERF_LOCAL_PROBE"), nil, marker)
	(&Runtime{}).Run(context.Background(), r.spec)
}

func TestLocalWithoutBwrap(t *testing.T) {
	probe := MustBuildProbe(t)
	missing := &Runtime{Bwrap: filepath.Join(t.TempDir(), "no-bwrap")}

	t.Run("it refuses and says why", func(t *testing.T) {
		r := MustProbeSpec(t, probe, nil, "id")
		err := missing.Run(context.Background(), r.spec)
		if medperf.ErrorCode(err) != medperf.CodeUnavailable {
			t.Fatalf("got %v, want unavailable", err)
		}
		if r.out.Len() != 0 {
			t.Error("the task ran")
		}
	})

	t.Run("with AllowUnsandboxed it runs with host paths", func(t *testing.T) {
		missing.AllowUnsandboxed = true
		r := MustProbeSpec(t, probe, nil, "read:/mlcommons/volumes/data/case1.txt", "env:MEDPERF_MOUNT_OUTPUT_PATH")
		if err := missing.Run(context.Background(), r.spec); err != nil {
			t.Fatal(err)
		}
		if got := r.results(); got["read"] != "patient" || got["env"] != r.output {
			t.Errorf("got %v", got)
		}
	})
}

func TestLocalRefusesEncryptedTypes(t *testing.T) {
	probe := MustBuildProbe(t)
	for _, ct := range []cube.ContainerType{cube.EncryptedDockerArchive, cube.EncryptedSingularityFile} {
		for name, key := range map[string]cube.Secret{"without a key": nil, "with a key": cube.Secret("k")} {
			t.Run(string(ct)+" "+name+" is refused before anything runs", func(t *testing.T) {
				r := MustProbeSpec(t, probe, nil, "id")
				r.spec.Config.Type, r.spec.DecryptionKey = ct, key
				err := (&Runtime{AllowUnsandboxed: true}).Run(context.Background(), r.spec)
				if medperf.ErrorCode(err) != medperf.CodeInvalid {
					t.Fatalf("got %v, want invalid", err)
				}
				if r.out.Len() != 0 {
					t.Error("the task ran")
				}
			})
		}
	}
}

func TestProgramResolution(t *testing.T) {
	probe := MustBuildProbe(t)
	cfgDir := filepath.Dir(filepath.Dir(probe))
	cfg := &cube.Config{Path: filepath.Join(cfgDir, "container_config.yaml"), Type: cube.DockerImage}
	tests := []struct {
		name string
		spec cube.Spec
		want []string
	}{
		{"image as a path relative to the config", cube.Spec{Config: cfg, Image: "./bin/probe", Command: []string{"id"}}, []string{probe, "id"}},
		{"entrypoint wins over image", cube.Spec{Config: cfg, Image: "example.org/x:1", Entrypoint: []string{"bin/probe", "a"}, Command: []string{"b"}}, []string{probe, "a", "b"}},
		{"entrypoint from PATH", cube.Spec{Config: cfg, Image: "x", Entrypoint: []string{"sh", "-c"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+" resolves", func(t *testing.T) {
			got, err := Program(&tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if !filepath.IsAbs(got[0]) {
				t.Errorf("program %q is not absolute", got[0])
			}
		})
	}
	for name, spec := range map[string]cube.Spec{
		"registry image":      {Config: cfg, Image: "example.org/acme/model:1.0"},
		"missing program":     {Config: cfg, Image: "x", Entrypoint: []string{"no-such-program-anywhere"}},
		"non-executable file": {Config: cfg, Image: cfg.Path},
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			if _, err := Program(&spec); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestBwrapArgs(t *testing.T) {
	spec := &cube.Spec{Env: map[string]string{"B": "2"}, Mounts: []cube.Mount{
		{Host: "/h/in", Container: "/mlcommons/volumes/data", ReadOnly: true},
		{Host: "/h/out", Container: "/mlcommons/volumes/predictions"},
	}}
	args := strings.Join(BwrapArgs(spec, []string{"/cube/bin/run", "x"}, "/scratch/t"), " ")
	for _, want := range []string{"--unshare-all --die-with-parent --new-session --cap-drop ALL", "--clearenv", "--setenv B 2",
		"--bind /scratch/t /tmp", "--ro-bind /usr /usr", "--ro-bind /cube/bin /cube/bin", "--ro-bind /h/in /mlcommons/volumes/data",
		"--bind /h/out /mlcommons/volumes/predictions", "-- /cube/bin/run x"} {
		if !strings.Contains(args, want) {
			t.Errorf("%q lacks %q", args, want)
		}
	}
	if strings.Contains(args, "--share-net") {
		t.Error("network shared by default")
	}
	for _, bad := range []string{"/home", "/root", "--bind / "} {
		if strings.Contains(args, bad) {
			t.Errorf("%q exposes %s", args, bad)
		}
	}
}
