package docker

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf/cube"
)

func TestImageMatchesIDOrRegistryDigest(t *testing.T) {
	id, digest := strings.Repeat("a", 64), strings.Repeat("b", 64)
	info := image.InspectResponse{ID: "sha256:" + id, RepoDigests: []string{"example.org/acme/m@sha256:" + digest}}
	for want, ok := range map[string]bool{id: true, digest: true, strings.Repeat("c", 64): false} {
		if ImageMatches(info, want) != ok {
			t.Errorf("ImageMatches(%s...) = %v", want[:4], !ok)
		}
	}
}

func TestContainerConfigIsIsolatedByDefault(t *testing.T) {
	spec := &cube.Spec{
		Task: &cube.Task{Name: "infer"}, UID: 1000, GID: 1001, Env: map[string]string{"B": "2", "A": "1"},
		Limits:  cube.Limits{Memory: 1 << 30, CPUs: 1.5, Pids: 100, ShmSize: 64 << 20},
		Mounts:  []cube.Mount{{Key: "data_path", Host: "/d", Container: "/mlcommons/volumes/data", ReadOnly: true}, {Key: "output_path", Host: "/o", Container: "/out"}},
		Command: []string{"x"},
	}
	cfg, host, err := containerConfig(spec, "sha256:abc", false, []string{"PATH=/usr/bin"}, "/scratch/task-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "1000:1001" || !cfg.NetworkDisabled || !slices.Equal(cfg.Env, []string{"A=1", "B=2", "HOME=/tmp"}) || cfg.Labels[LabelPID] != strconv.Itoa(os.Getpid()) {
		t.Errorf("config %+v", cfg)
	}
	if host.NetworkMode != "none" || !slices.Equal(host.CapDrop, []string{"ALL"}) || !slices.Equal(host.SecurityOpt, []string{"no-new-privileges"}) ||
		host.Privileged || host.AutoRemove {
		t.Errorf("host config %+v", host)
	}
	if host.Memory != 1<<30 || host.MemorySwap != 1<<30 || host.NanoCPUs != 1.5e9 || *host.PidsLimit != 100 || host.ShmSize != 64<<20 {
		t.Errorf("limits %+v", host.Resources)
	}
	// MedPerf's contract: a writable container layer (discarded with the
	// container) and /tmp on the host disk, not in memory.
	if host.ReadonlyRootfs || len(host.Tmpfs) != 0 {
		t.Errorf("root read-only %v, tmpfs %v: want a writable layer and /tmp on disk", host.ReadonlyRootfs, host.Tmpfs)
	}
	if tmp := host.Mounts[0]; tmp.Source != "/scratch/task-1" || tmp.Target != "/tmp" || tmp.ReadOnly {
		t.Errorf("/tmp mount %+v", tmp)
	}
	if !host.Mounts[1].ReadOnly || host.Mounts[2].ReadOnly {
		t.Errorf("inputs must be read-only, outputs writable: %+v", host.Mounts)
	}
	if len(host.DeviceRequests) != 0 {
		t.Error("GPUs given without being asked for")
	}
	if host.UsernsMode != "" {
		t.Errorf("userns %q on Docker", host.UsernsMode)
	}
}

func TestContainerConfigKeepsTheUserIDOnRootlessPodman(t *testing.T) {
	spec := &cube.Spec{Task: &cube.Task{Name: "infer"}, Limits: cube.Limits{Memory: 1, CPUs: 1, Pids: 1}}
	_, host, err := containerConfig(spec, "x", true, nil, "/t")
	if err != nil {
		t.Fatal(err)
	}
	want := container.UsernsMode("keep-id")
	if os.Getuid() == 0 {
		want = ""
	}
	if host.UsernsMode != want {
		t.Errorf("userns %q, want %q", host.UsernsMode, want)
	}
}

func TestContainerConfigKeepsTheImageHOME(t *testing.T) {
	spec := &cube.Spec{Task: &cube.Task{Name: "infer"}, Limits: cube.Limits{Memory: 1, CPUs: 1, Pids: 1}}
	for _, tt := range []struct {
		name     string
		imageEnv []string
		taskEnv  map[string]string
		want     []string
	}{
		{"the image's HOME is kept", []string{"HOME=/home/app"}, nil, nil},
		{"an image without HOME gets /tmp", []string{"PATH=/bin"}, nil, []string{"HOME=/tmp"}},
		{"the task's environment wins", []string{"HOME=/home/app"}, map[string]string{"HOME": "/work"}, []string{"HOME=/work"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec.Env = tt.taskEnv
			cfg, _, err := containerConfig(spec, "x", false, tt.imageEnv, "/t")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.Env, tt.want) {
				t.Errorf("env %q, want %q", cfg.Env, tt.want)
			}
		})
	}
}

func TestContainerConfigGPUs(t *testing.T) {
	tests := []struct {
		spec string
		want container.DeviceRequest
	}{
		{"all", container.DeviceRequest{Count: -1, Capabilities: [][]string{{"gpu"}}}},
		{"2", container.DeviceRequest{Count: 2, Capabilities: [][]string{{"gpu"}}}},
		{"device=0,1", container.DeviceRequest{DeviceIDs: []string{"0", "1"}, Capabilities: [][]string{{"gpu"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" becomes a device request", func(t *testing.T) {
			spec := &cube.Spec{Task: &cube.Task{Name: "infer"}, Limits: cube.Limits{Memory: 1, CPUs: 1, Pids: 1, GPUs: tt.spec}}
			_, host, err := containerConfig(spec, "x", false, nil, "/t")
			if err != nil {
				t.Fatal(err)
			}
			got := host.DeviceRequests[0]
			if got.Count != tt.want.Count || !slices.Equal(got.DeviceIDs, tt.want.DeviceIDs) || len(got.Capabilities) != 1 {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestOwnerAliveTellsDeadParents(t *testing.T) {
	labels := ownerLabels("infer")
	if !ownerAlive(labels) {
		t.Error("this process counts as dead")
	}
	reused := ownerLabels("infer")
	reused[LabelPIDStart] = "1"
	if ownerAlive(reused) {
		t.Error("a reused pid counts as the owner")
	}
	other := ownerLabels("infer")
	other[LabelHost] = "another-machine"
	other[LabelPID] = "999999999"
	if !ownerAlive(other) {
		t.Error("a container of another host would be removed")
	}
}
