package docker

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// containerConfig is the isolation of DESIGN.md "Security defaults" in
// Engine API terms, with MedPerf's container contract: the root file system
// is the container's own writable layer (discarded with the container; the
// image never changes), /tmp is the host folder tmp (see cube.WithScratch),
// and HOME is the image's own, or /tmp when the image sets none. For
// rootless Podman the user namespace keeps the invoking user's id, so that
// outputs belong to that user on the host.
func containerConfig(spec *cube.Spec, imageID string, podman bool, imageEnv []string, tmp string) (*container.Config, *container.HostConfig, error) {
	env := map[string]string{}
	if !hasVar(imageEnv, "HOME") {
		env["HOME"] = "/tmp"
	}
	maps.Copy(env, spec.Env)
	cfg := &container.Config{
		Image:           imageID,
		Entrypoint:      spec.Entrypoint,
		Cmd:             spec.Command,
		Env:             envList(env),
		User:            fmt.Sprintf("%d:%d", spec.UID, spec.GID),
		Labels:          ownerLabels(spec.Task.Name),
		AttachStdout:    true,
		AttachStderr:    true,
		NetworkDisabled: !spec.Network,
	}
	pids := spec.Limits.Pids
	host := &container.HostConfig{
		NetworkMode: "none",
		CapDrop:     []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges"},
		IpcMode:     "private",
		ShmSize:     spec.Limits.ShmSize,
		Resources: container.Resources{
			Memory:     spec.Limits.Memory,
			MemorySwap: spec.Limits.Memory,
			NanoCPUs:   int64(spec.Limits.CPUs * 1e9),
			PidsLimit:  &pids,
		},
	}
	if spec.Network {
		host.NetworkMode = "bridge"
	}
	if podman && os.Getuid() != 0 {
		host.UsernsMode = "keep-id"
	}
	if tmp == "" {
		return nil, nil, medperf.FieldError("tmp", "the task has no /tmp folder (use cube.WithScratch)")
	}
	host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: tmp, Target: "/tmp",
		BindOptions: &mount.BindOptions{Propagation: mount.PropagationRPrivate}})
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{
			Type: mount.TypeBind, Source: m.Host, Target: m.Container, ReadOnly: m.ReadOnly,
			BindOptions: &mount.BindOptions{Propagation: mount.PropagationRPrivate},
		})
	}
	gpus, err := cube.ParseGPUs(spec.Limits.GPUs)
	if err != nil {
		return nil, nil, err
	}
	if gpus != nil {
		host.DeviceRequests = []container.DeviceRequest{deviceRequest(gpus)}
	}
	if spec.Limits.Memory <= 0 || spec.Limits.CPUs <= 0 || pids <= 0 {
		return nil, nil, medperf.FieldError("limits", "memory, cpus and pids limits must be set (use cube.NewSpec)")
	}
	return cfg, host, nil
}

// deviceRequest asks for GPUs the way `docker run --gpus` does.
func deviceRequest(g *cube.GPURequest) container.DeviceRequest {
	r := container.DeviceRequest{Capabilities: [][]string{{"gpu"}}}
	switch {
	case g.All:
		r.Count = -1
	case len(g.Devices) > 0:
		r.DeviceIDs = g.Devices
	default:
		r.Count = g.Count
	}
	return r
}

// hasVar reports whether env (KEY=value lines) sets name.
func hasVar(env []string, name string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			return true
		}
	}
	return false
}

func envList(env map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}
