package local

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
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
	if spec.Config.Type.Encrypted() {
		return medperf.Errorf(medperf.CodeInvalid, "container type %s needs a decryption key, which this version cannot use yet", spec.Config.Type)
	}
	argv, err := Program(spec)
	if err != nil {
		return err
	}
	bwrap, err := r.bwrap()
	if err != nil && !r.AllowUnsandboxed {
		return err
	}
	if err := spec.CreateOutputs(); err != nil {
		return err
	}
	var cmd *exec.Cmd
	runCtx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	if bwrap != "" {
		cmd = exec.CommandContext(runCtx, bwrap, BwrapArgs(spec, argv)...)
		cmd.Env = []string{}
	} else {
		cmd = unsandboxed(runCtx, spec, argv)
	}
	out, err := spec.OpenOutput()
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out.Stdout, out.Stderr
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	switch {
	case ctx.Err() != nil:
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "task " + spec.Task.Name + " was interrupted; its sandbox was killed", Err: ctx.Err()}
	case runCtx.Err() != nil:
		return &cube.TimeoutError{Task: spec.Task.Name, Timeout: spec.Timeout}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &cube.ExitError{Task: spec.Task.Name, Status: exit.ExitCode()}
	}
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot start the task's process: " + err.Error(), Err: err}
	}
	return nil
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

// unsandboxed runs argv directly on the host, with container mount paths in
// its arguments replaced by host paths, and each mount also given as
// MEDPERF_MOUNT_<KEY>.
func unsandboxed(ctx context.Context, spec *cube.Spec, argv []string) *exec.Cmd {
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
	// Its own process group, killed whole on timeout; killed too if medperf dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = append(os.Environ(), "HOME="+os.TempDir())
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
