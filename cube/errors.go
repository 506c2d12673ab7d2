package cube

import (
	"fmt"
	"time"

	"github.com/medperf/medperf"
)

// ExitError means a task's process exited with a non-zero status. Its code is
// CodeInvalid: for MedPerf tasks a non-zero exit is how a container rejects its
// input (a failed sanity check, say).
type ExitError struct {
	Task   string
	Status int
}

func (e *ExitError) Error() string { return e.err().Error() }

// Unwrap gives the medperf.Error that carries the code.
func (e *ExitError) Unwrap() error { return e.err() }

func (e *ExitError) err() *medperf.Error {
	return medperf.Errorf(medperf.CodeInvalid, "task %s failed: its process exited with status %d (see its log above)", e.Task, e.Status)
}

// OOMError means a task was killed for using more memory than its limit. Its
// code is CodeTooLarge.
type OOMError struct {
	Task string
	// Limit is the memory limit in bytes.
	Limit int64
}

func (e *OOMError) Error() string { return e.err().Error() }

// Unwrap gives the medperf.Error that carries the code.
func (e *OOMError) Unwrap() error { return e.err() }

func (e *OOMError) err() *medperf.Error {
	return medperf.Errorf(medperf.CodeTooLarge, "task %s ran out of memory: it was killed at its limit of %s; give it more with --memory", e.Task, FormatSize(e.Limit))
}

// TimeoutError means a task ran past its timeout and was killed. Its code is
// CodeCanceled.
type TimeoutError struct {
	Task    string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string { return e.err().Error() }

// Unwrap gives the medperf.Error that carries the code.
func (e *TimeoutError) Unwrap() error { return e.err() }

func (e *TimeoutError) err() *medperf.Error {
	return medperf.Errorf(medperf.CodeCanceled, "task %s did not finish within its timeout of %s and was stopped; give it longer with --timeout", e.Task, e.Timeout)
}

// FormatSize renders a byte count for messages (1.5GiB, 512MiB).
func FormatSize(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%dB", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.3g%ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
