package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/images"
	"github.com/medperf/medperf/demo/synth"
	"github.com/medperf/medperf/medperftest"
)

// MustStaticMedperf builds the medperf binary of this tree with CGO_ENABLED=0.
func MustStaticMedperf(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "medperf")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "../cmd/medperf")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// MustDemoImages runs `medperf demo images -o json` from a static binary,
// outside any source tree, and returns what it built.
func MustDemoImages(tb testing.TB, c *client.Client) map[string]images.Built {
	tb.Helper()
	cmd := exec.Command(MustStaticMedperf(tb), "demo", "images", "-o", "json")
	cmd.Dir = tb.TempDir()
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+c.DaemonHost())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("medperf demo images: %v\n%s", err, stderr.String())
	}
	var built []images.Built
	if err := json.Unmarshal(out, &built); err != nil {
		tb.Fatalf("output %q: %v", out, err)
	}
	byCube := map[string]images.Built{}
	for _, b := range built {
		byCube[b.Cube] = b
	}
	return byCube
}

// runCube runs one task of a cube image the way the container contract
// says: inputs bound read-only, outputs pre-created and writable, no
// network, the host's uid:gid, a read-only root filesystem. host maps mount
// keys to host paths; keys left out are not mounted. It returns the exit
// status and the container's output.
func runCube(tb testing.TB, c *client.Client, image, cube, task string, host map[string]string) (int64, string) {
	tb.Helper()
	plan := cubes.Tasks(cube)[task]
	var mounts []mount.Mount
	for _, side := range []struct {
		vols     map[string]cubes.Volume
		readOnly bool
	}{{plan.Inputs, true}, {plan.Outputs, false}} {
		for key, v := range side.vols {
			src, ok := host[key]
			if !ok {
				continue
			}
			if !side.readOnly && v.Type == "file" {
				if err := os.WriteFile(src, nil, 0o644); err != nil {
					tb.Fatal(err)
				}
			}
			mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: src, Target: v.MountPath, ReadOnly: side.readOnly})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	created, err := c.ContainerCreate(ctx,
		&container.Config{Image: image, Entrypoint: cubes.Entrypoint(cube), Cmd: []string{task},
			User: fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid()), NetworkDisabled: true},
		&container.HostConfig{NetworkMode: "none", ReadonlyRootfs: true, CapDrop: []string{"ALL"},
			SecurityOpt: []string{"no-new-privileges"}, Tmpfs: map[string]string{"/tmp": ""}, Mounts: mounts},
		nil, nil, "")
	if err != nil {
		tb.Fatal(err)
	}
	defer c.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true})
	if err := c.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		tb.Fatal(err)
	}
	var status int64
	waitC, errC := c.ContainerWait(ctx, created.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		status = w.StatusCode
	case err := <-errC:
		tb.Fatal(err)
	}
	logs, err := c.ContainerLogs(ctx, created.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer logs.Close()
	var out bytes.Buffer
	stdcopy.StdCopy(&out, &out, logs)
	return status, out.String()
}

func TestDemoImagesBuildCubesThatFollowTheContract(t *testing.T) {
	c := medperftest.DockerClient(t)
	built := MustDemoImages(t, c)
	ctx := context.Background()
	for _, cube := range cubes.Cubes {
		b, ok := built[cube]
		if !ok || !strings.HasPrefix(b.Image, "medperf-demo/"+cube+":bin-") || !strings.HasPrefix(b.ID, "sha256:") {
			t.Fatalf("%s: built %+v", cube, b)
		}
		inspect, err := c.ImageInspect(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(inspect.Config.Entrypoint, cubes.Entrypoint(cube)) || len(inspect.RootFS.Layers) != 1 {
			t.Errorf("%s: entrypoint %v, %d layers; want %v and the binary's one layer", cube, inspect.Config.Entrypoint, len(inspect.RootFS.Layers), cubes.Entrypoint(cube))
		}
	}

	root := t.TempDir()
	dir := func(name string) string {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := synth.WriteDataset(filepath.Join(root, "raw"), synth.Sites["site-b"], 3, 5); err != nil {
		t.Fatal(err)
	}
	param := func(cube string) string {
		p, _ := filepath.Abs(filepath.Join(demoExamples, cube, "parameters.yaml"))
		return p
	}
	steps := []struct {
		cube, task string
		host       map[string]string
	}{
		{cubes.Preparator, "prepare", map[string]string{"data_path": filepath.Join(root, "raw", "data"), "labels_path": filepath.Join(root, "raw", "labels"),
			"parameters_file": param(cubes.Preparator), "output_path": dir("data"), "output_labels_path": dir("labels"),
			"metadata_path": dir("metadata"), "report_file": filepath.Join(dir("report"), "report.yaml")}},
		{cubes.Preparator, "sanity_check", map[string]string{"data_path": dir("data"), "labels_path": dir("labels"),
			"metadata_path": dir("metadata"), "parameters_file": param(cubes.Preparator)}},
		{cubes.Preparator, "statistics", map[string]string{"data_path": dir("data"), "labels_path": dir("labels"),
			"metadata_path": dir("metadata"), "parameters_file": param(cubes.Preparator), "output_path": filepath.Join(dir("statistics"), "statistics.yaml")}},
		{cubes.ModelThreshold, "infer", map[string]string{"data_path": dir("data"), "parameters_file": param(cubes.ModelThreshold),
			"additional_files": dir("empty"), "output_path": dir("predictions")}},
		{cubes.Evaluator, "evaluate", map[string]string{"predictions": dir("predictions"), "labels": dir("labels"),
			"parameters_file": param(cubes.Evaluator), "output_path": filepath.Join(dir("results"), "results.yaml"), "local_outputs_path": dir("local")}},
	}
	for _, s := range steps {
		if status, out := runCube(t, c, built[s.cube].ID, s.cube, s.task, s.host); status != 0 {
			t.Fatalf("%s %s exited %d:\n%s", s.cube, s.task, status, out)
		}
	}
	var res map[string]float64
	b, _ := os.ReadFile(filepath.Join(root, "results", "results.yaml"))
	if err := yaml.Unmarshal(b, &res); err != nil || res["n_cases"] != 3 || res["dice_mean"] <= 0 {
		t.Errorf("results.yaml from the container: %v (%v)", res, err)
	}

	t.Run("a failed sanity check exits non-zero", func(t *testing.T) {
		os.Remove(filepath.Join(root, "labels", synth.CaseName(1)+".nii.gz"))
		status, out := runCube(t, c, built[cubes.Preparator].ID, cubes.Preparator, "sanity_check", map[string]string{
			"data_path": filepath.Join(root, "data"), "labels_path": filepath.Join(root, "labels"), "parameters_file": param(cubes.Preparator)})
		if status == 0 || !strings.Contains(out, "has no label") {
			t.Errorf("exit %d, output %q", status, out)
		}
	})
}

func TestDemoImagesRefusesADynamicBinaryWithoutSource(t *testing.T) {
	c := medperftest.DockerClient(t)
	bin := filepath.Join(t.TempDir(), "medperf")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/medperf")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build with cgo here: %v\n%s", err, out)
	}
	if static, _ := images.IsStaticLinux(bin); static {
		t.Skip("a cgo build is static on this machine; nothing to refuse")
	}
	run := exec.Command(bin, "demo", "images")
	run.Dir = t.TempDir() // no source tree to build a static binary from
	run.Env = append(os.Environ(), "DOCKER_HOST="+c.DaemonHost())
	out, err := run.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitCodes[medperf.CodeUnavailable] || !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Errorf("err %v, output %q; want the unavailable status and how to build a static binary", err, out)
	}
}
