package cli

import (
	"context"
	"fmt"
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
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/medperftest"
)

// MustCubeDir writes a container_config.yaml whose infer task runs the
// probe program (as a host program for --runtime local, image for docker)
// and returns the directory holding it, the probe and a data directory.
func MustCubeDir(tb testing.TB, image string) string {
	return MustCubeDirCommand(tb, image, `[read:/mlcommons/volumes/data/a.txt, "read:/mlcommons/volumes/parameters/parameters_file.yaml", ifaces, write:/mlcommons/volumes/predictions/p.txt]`)
}

// MustCubeDirCommand is MustCubeDir with the task's run_args.command.
func MustCubeDirCommand(tb testing.TB, image, command string) string {
	tb.Helper()
	dir := tb.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "probe"), "../cube/testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	if image == "" {
		image = "./probe"
	}
	cfg := fmt.Sprintf(`container_type: DockerImage
image: %s
tasks:
  infer:
    run_args:
      command: %s
    input_volumes:
      data_path: {mount_path: /mlcommons/volumes/data, type: directory}
      parameters_file: {mount_path: /mlcommons/volumes/parameters/parameters_file.yaml, type: file}
    output_volumes:
      output_path: {mount_path: /mlcommons/volumes/predictions, type: directory}
`, image, command)
	os.WriteFile(filepath.Join(dir, "container_config.yaml"), []byte(cfg), 0o644)
	os.Mkdir(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "a.txt"), []byte("case\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "parameters.yaml"), []byte("threshold: 1\n"), 0o644)
	return dir
}

func runTestArgs(dir string, extra ...string) []string {
	return append([]string{"container", "run-test", "-m", filepath.Join(dir, "container_config.yaml"), "-t", "infer",
		"-p", filepath.Join(dir, "parameters.yaml"), "--mount", "data_path=" + filepath.Join(dir, "data"),
		"--mount", "output_path=" + filepath.Join(dir, "predictions"), "--cache-dir", filepath.Join(dir, "cache")}, extra...)
}

func TestContainerRunTestLocal(t *testing.T) {
	medperftest.Require(t, medperftest.Bwrap)
	dir := MustCubeDir(t, "")
	for _, group := range []string{"container", "mlcube"} {
		t.Run("medperf "+group+" run-test runs the task in the sandbox", func(t *testing.T) {
			args := runTestArgs(dir, "--runtime", "local", "--log", filepath.Join(dir, group+".log"))
			args[0] = group
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			want := "[infer] read=case\n[infer] read=threshold: 1\n[infer] ifaces=lo\n[infer] write=ok\n"
			if out != want {
				t.Errorf("stdout %q, want %q", out, want)
			}
			if log, _ := os.ReadFile(filepath.Join(dir, group+".log")); !strings.Contains(string(log), "ifaces=lo") {
				t.Errorf("log %q", log)
			}
			if _, err := os.Stat(filepath.Join(dir, "predictions", "p.txt")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestContainerRunTestDocker(t *testing.T) {
	c := medperftest.DockerClient(t)
	mustProbeImage(t, c, fmt.Sprintf("medperf-cli-probe:test-%d", os.Getpid()), "cli run-test")
	dir := MustCubeDir(t, fmt.Sprintf("medperf-cli-probe:test-%d", os.Getpid()))
	code, out, errOut := runCLI(t, runTestArgs(dir, "--memory", "256m", "--cpus", "1", "--timeout", "1m")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "[infer] ifaces=lo\n") || !strings.Contains(out, "[infer] write=ok\n") {
		t.Errorf("stdout %q", out)
	}
}

func TestContainerRunTestRejectsBadInput(t *testing.T) {
	dir := MustCubeDir(t, "")
	tests := []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"missing config", []string{"container", "run-test", "-t", "infer"}, medperf.CodeInvalid},
		{"config that does not exist", []string{"container", "run-test", "-m", filepath.Join(dir, "nope.yaml"), "-t", "infer"}, medperf.CodeNotFound},
		{"unknown task", append(runTestArgs(dir), "-t", "train"), medperf.CodeInvalid},
		{"malformed mount", runTestArgs(dir, "--mount", "nokey"), medperf.CodeInvalid},
		{"unknown mount key", runTestArgs(dir, "--mount", "weights=/tmp"), medperf.CodeInvalid},
		{"bad memory", runTestArgs(dir, "--memory", "lots"), medperf.CodeInvalid},
		{"bad gpus", runTestArgs(dir, "--gpus", "some please"), medperf.CodeInvalid},
		{"unknown runtime", runTestArgs(dir, "--runtime", "lxc"), medperf.CodeInvalid},
		{"bad timeout", runTestArgs(dir, "--timeout", "soon"), medperf.CodeInvalid},
		{"mount given twice", append(runTestArgs(dir), "--mount", "data_path="+filepath.Join(dir, "none")), medperf.CodeInvalid},
		{"input that does not exist", []string{"container", "run-test", "-m", filepath.Join(dir, "container_config.yaml"), "-t", "infer",
			"-p", filepath.Join(dir, "parameters.yaml"), "--mount", "data_path=" + filepath.Join(dir, "none"), "--mount", "output_path=" + dir}, medperf.CodeNotFound},
		{"missing required mount", []string{"container", "run-test", "-m", filepath.Join(dir, "container_config.yaml"), "-t", "infer",
			"-p", filepath.Join(dir, "parameters.yaml"), "--mount", "output_path=" + dir}, medperf.CodeInvalid},
		{"wrong additional files hash", runTestArgs(dir, "-a", filepath.Join(dir, "parameters.yaml"), "--additional-files-hash", strings.Repeat("0", 64), "--runtime", "local"), medperf.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != exitCodes[tt.code] {
				t.Errorf("exit %d, want %d\n%s", code, exitCodes[tt.code], errOut)
			}
			if strings.Contains(out, "[infer]") {
				t.Errorf("the task ran: %s", out)
			}
		})
	}
}

func TestContainerRunTestSignalKillsAndRemovesTheContainer(t *testing.T) {
	c := medperftest.DockerClient(t)
	mustProbeImage(t, c, fmt.Sprintf("medperf-cli-probe:signal-%d", os.Getpid()), "cli signal")
	dir := MustCubeDirCommand(t, fmt.Sprintf("medperf-cli-probe:signal-%d", os.Getpid()), "[sleep:120s]")
	bin := filepath.Join(t.TempDir(), "medperf")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/medperf").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String()+" stops the task and leaves nothing", func(t *testing.T) {
			cmd := exec.Command(bin, runTestArgs(dir)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for len(medperfContainers(t, c, cmd.Process.Pid)) == 0 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatalf("no container started; stderr %s", stderr.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != exitCodes[medperf.CodeCanceled] {
				t.Errorf("exit %d, want %d; stderr %s", code, exitCodes[medperf.CodeCanceled], stderr.String())
			}
			if left := medperfContainers(t, c, cmd.Process.Pid); len(left) != 0 {
				t.Errorf("containers left: %v", left)
			}
		})
	}
}

// medperfContainers lists the containers of the medperf process pid.
func medperfContainers(tb testing.TB, c *client.Client, pid int) []container.Summary {
	tb.Helper()
	list, err := c.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", docker.LabelManaged+"=true"), filters.Arg("label", docker.LabelPID+"="+strconv.Itoa(pid)))})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

// mustProbeImage builds the probe into an image tagged tag whose id is
// unique to label (see cube/docker's test helper of the same name).
func mustProbeImage(tb testing.TB, c *client.Client, tag, label string) {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "probe")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../cube/testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		tb.Fatal(err)
	}
	medperftest.BuildImage(tb, c, tag, map[string][]byte{
		"Dockerfile": []byte(fmt.Sprintf("FROM scratch\nLABEL org.medperf.test=%q\nCOPY app /app\nENTRYPOINT [\"/app\"]\n", label)),
		"app":        binary,
	})
}
