// Package hostrun runs a task as a host process (a bubblewrap sandbox, an
// apptainer invocation, or a plain program) and classifies how it ended, for
// the runtimes in cube/local and cube/apptainer, which must not import each
// other.
package hostrun

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// waitDelay bounds how long Run waits for the output pipes after the process
// ended or was killed, so that a grandchild holding them cannot hang a run.
const waitDelay = 5 * time.Second

// Process is one run of a task's host process.
type Process struct {
	// Task names the task in errors.
	Task string
	// Timeout is the task's time limit; it must be positive.
	Timeout time.Duration
	// Killed says, in the canceled error, what was killed ("its sandbox").
	Killed string
	// Program names the program in the error of a failed start ("bwrap").
	Program string
	// Command builds the command; ctx is ended at the timeout or the
	// caller's cancel. Run sets its output, process group, parent-death
	// signal, cancel and wait delay.
	Command func(ctx context.Context) *exec.Cmd
}

// Run runs p with its output to out and returns nil on a zero exit status,
// *cube.ExitError for another status, *cube.TimeoutError past the timeout,
// CodeCanceled when ctx ended first, and CodeUnavailable when the program
// could not start.
//
// The process gets its own process group, killed whole on timeout or
// cancel, and SIGKILL when this process dies: set before the program's first
// instruction (the kernel keeps it across exec of a non-setuid program, and
// Go checks the parent is still alive right after setting it), so that no
// moment of its start-up outlives a killed medperf.
func (p *Process) Run(ctx context.Context, out *cube.TaskOutput) error {
	runCtx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	cmd := p.Command(runCtx)
	cmd.Stdout, cmd.Stderr = out.Stdout, out.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay
	return p.classify(ctx, runCtx, cmd.Run())
}

// classify turns the end of the process into the error Run documents. The
// contexts are checked first: a killed process also has an exit error.
func (p *Process) classify(ctx, runCtx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "task " + p.Task + " was interrupted; " + p.Killed + " was killed", Err: ctx.Err()}
	case runCtx.Err() != nil:
		return &cube.TimeoutError{Task: p.Task, Timeout: p.Timeout}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &cube.ExitError{Task: p.Task, Status: exit.ExitCode()}
	}
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot start " + p.Program + ": " + err.Error(), Err: err}
	}
	return nil
}
