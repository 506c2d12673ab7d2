package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/internal/hostrun"
)

// Runtime runs tasks as sandboxed host processes. The zero value looks up
// bwrap in PATH and refuses to run without it.
//
// Limits: the sandbox enforces the timeout, the network, the mounts and the
// capabilities; it does not enforce spec.Limits (memory, CPUs, pids, GPUs),
// which need a container engine's cgroups.
type Runtime struct {
	// Bwrap is the bubblewrap executable; "" looks "bwrap" up in PATH.
	Bwrap string
	// AllowUnsandboxed runs the task as a plain host process when bwrap is
	// missing: it then sees the whole host and the network, and container
	// mount paths in its arguments are replaced by the host paths.
	AllowUnsandboxed bool
}

// Run runs spec as the cube.Runtime contract says, with the limitation of
// the Runtime doc. Missing bwrap is CodeUnavailable unless AllowUnsandboxed.
func (r *Runtime) Run(ctx context.Context, spec *cube.Spec) error {
	if err := spec.Runnable(); err != nil {
		return err
	}
	if spec.Config.Type.Encrypted() {
		// A local run starts a host program: an encrypted image archive
		// has nothing such a run could use.
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "runtime", Message: fmt.Sprintf(
			"container type %s cannot run with --runtime local, which runs host programs, not images; use --runtime docker or --runtime podman", spec.Config.Type)}
	}
	argv, err := Program(spec)
	if err != nil {
		return err
	}
	bwrap, err := r.bwrap()
	if err != nil && !r.AllowUnsandboxed {
		return err
	}
	// The process runs as the invoking user (bubblewrap and Apptainer
	// cannot switch users without privileges of their own), so outputs
	// belong to that user.
	spec.UID, spec.GID = os.Getuid(), os.Getgid()
	if err := spec.CreateOutputs(); err != nil {
		return err
	}
	out, err := spec.OpenOutput()
	if err != nil {
		return err
	}
	defer out.Close()
	return cube.WithScratch(ctx, spec, func(ctx context.Context, tmp string) error {
		p := &hostrun.Process{Task: spec.Task.Name, Timeout: spec.Timeout, Killed: "its sandbox", Program: "the task's process",
			Command: func(ctx context.Context) *exec.Cmd {
				if bwrap == "" {
					return unsandboxed(ctx, spec, argv, tmp)
				}
				cmd := exec.CommandContext(ctx, bwrap, BwrapArgs(spec, argv, tmp)...)
				cmd.Env = []string{}
				return cmd
			}}
		return p.Run(ctx, out)
	})
}

func (r *Runtime) bwrap() (string, error) {
	name := r.Bwrap
	if name == "" {
		name = "bwrap"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeUnavailable, "bubblewrap (bwrap) is not installed, so the task cannot be sandboxed (no network, read-only inputs, only its mounts visible); install it (apt-get install bubblewrap), or pass --allow-unsandboxed to run it as a plain host process that sees your files and the network")
	}
	return p, nil
}

// unsandboxed returns the command that runs argv directly on the host, with container mount paths in
// its arguments replaced by host paths, and each mount also given as
// MEDPERF_MOUNT_<KEY>.
func unsandboxed(ctx context.Context, spec *cube.Spec, argv []string, tmp string) *exec.Cmd {
	mounts := slices.Clone(spec.Mounts)
	slices.SortFunc(mounts, func(a, b cube.Mount) int { return len(b.Container) - len(a.Container) })
	args := make([]string, len(argv))
	for i, a := range argv {
		for _, m := range mounts {
			a = replacePath(a, m.Container, m.Host)
		}
		args[i] = a
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "HOME="+tmp, "TMPDIR="+tmp)
	for k, v := range spec.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for _, m := range spec.Mounts {
		cmd.Env = append(cmd.Env, "MEDPERF_MOUNT_"+strings.ToUpper(m.Key)+"="+m.Host)
	}
	return cmd
}

// replacePath replaces from in s by to wherever from appears as a whole path
// (followed by the end, or a slash).
func replacePath(s, from, to string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, from)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(from)
		if end == len(s) || s[end] == '/' {
			b.WriteString(s[:i] + to)
		} else {
			b.WriteString(s[:end])
		}
		s = s[end:]
	}
}
