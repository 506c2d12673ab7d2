package hostrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// shell returns a Process running script with sh, and the buffer its output
// goes to.
func shell(timeout time.Duration, script string) (*Process, *cube.TaskOutput, *bytes.Buffer) {
	var buf bytes.Buffer
	p := &Process{Task: "infer", Timeout: timeout, Killed: "its sandbox", Program: "sh",
		Command: func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, "sh", "-c", script) }}
	return p, &cube.TaskOutput{Stdout: &buf, Stderr: &buf}, &buf
}

func TestRunClassifiesTheEnd(t *testing.T) {
	t.Run("a zero exit is nil and the output is copied", func(t *testing.T) {
		p, out, buf := shell(time.Minute, "echo hello; echo oops >&2")
		if err := p.Run(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); !strings.Contains(got, "hello") || !strings.Contains(got, "oops") {
			t.Errorf("output %q", got)
		}
	})
	t.Run("a non-zero exit is an exit error with its status", func(t *testing.T) {
		p, out, _ := shell(time.Minute, "exit 3")
		var ee *cube.ExitError
		if err := p.Run(context.Background(), out); !errors.As(err, &ee) || ee.Status != 3 || ee.Task != "infer" {
			t.Fatalf("got %v, want exit status 3", err)
		}
	})
	t.Run("past the timeout it is a timeout error", func(t *testing.T) {
		p, out, _ := shell(200*time.Millisecond, "sleep 30")
		start := time.Now()
		err := p.Run(context.Background(), out)
		var te *cube.TimeoutError
		if !errors.As(err, &te) || medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatalf("got %v, want a timeout", err)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("the timeout took %v", time.Since(start))
		}
	})
	t.Run("a canceled run is canceled, not a timeout", func(t *testing.T) {
		p, out, _ := shell(time.Minute, "sleep 30")
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		err := p.Run(ctx, out)
		var te *cube.TimeoutError
		if medperf.ErrorCode(err) != medperf.CodeCanceled || errors.As(err, &te) {
			t.Fatalf("got %v, want canceled", err)
		}
	})
	t.Run("a program that cannot start is unavailable", func(t *testing.T) {
		p, out, _ := shell(time.Minute, "")
		missing := filepath.Join(t.TempDir(), "missing")
		p.Command = func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, missing) }
		if err := p.Run(context.Background(), out); medperf.ErrorCode(err) != medperf.CodeUnavailable {
			t.Fatalf("got %v, want unavailable", err)
		}
	})
}

// TestRunKillsTheWholeGroup checks that a timeout kills the children of the
// process too, not only the process.
func TestRunKillsTheWholeGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p, out, _ := shell(500*time.Millisecond, fmt.Sprintf("sleep 60 & echo $! > %s; wait", pidFile))
	var te *cube.TimeoutError
	if err := p.Run(context.Background(), out); !errors.As(err, &te) {
		t.Fatalf("got %v, want a timeout", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	fmt.Sscan(string(b), &pid)
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the child %d outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid runs (a zombie counts as dead).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || !strings.HasPrefix(s[i+1:], " Z")
}
