package cube

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
)

// GPURequest is a parsed GPU spec.
type GPURequest struct {
	// All asks for every GPU.
	All bool
	// Count asks for that many GPUs (when not All and no Devices).
	Count int
	// Devices names GPUs by index or UUID.
	Devices []string
}

// ParseGPUs parses a GPU spec as Docker's --gpus reads it: "all", a count
// ("2"), or "device=0,1" (also a bare "0,1"). "" and "0" and "none" mean no
// GPUs (nil). Anything else is CodeInvalid.
func ParseGPUs(spec string) (*GPURequest, error) {
	s := strings.TrimSpace(spec)
	switch s {
	case "", "0", "none":
		return nil, nil
	case "all":
		return &GPURequest{All: true}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return nil, medperf.FieldError("gpus", "%q is not a GPU count", spec)
		}
		return &GPURequest{Count: n}, nil
	}
	ids := strings.TrimPrefix(s, "device=")
	var out []string
	for _, id := range strings.Split(ids, ",") {
		id = strings.TrimSpace(id)
		if id == "" || strings.ContainsAny(id, " =\"'") {
			return nil, medperf.FieldError("gpus", "%q is not a GPU spec; use all, a count, or device=0,1", spec)
		}
		out = append(out, id)
	}
	return &GPURequest{Devices: out}, nil
}

// hostHasGPUs reports whether this machine has GPUs a container can be
// given (an NVIDIA driver with at least one device); tests replace it.
var hostHasGPUs = func() bool {
	if entries, err := os.ReadDir("/proc/driver/nvidia/gpus"); err == nil && len(entries) > 0 {
		return true
	}
	_, err := os.Stat("/dev/nvidiactl")
	return err == nil
}

// resolveGPUs decides the GPUs of a run, as MedPerf does: the user's
// choice when one is given (a flag, a variable or the profile; "0" or
// "none" for none), else what the container asks for in run_args.gpus. A
// machine without GPUs is said before anything starts: a container's own
// request is dropped with a note (the task runs on CPU, as the user is
// told), a request of the user's is CodeInvalid.
func (s *Spec) resolveGPUs(user string) error {
	if strings.TrimSpace(user) != "" {
		g, err := ParseGPUs(user)
		if err != nil {
			return err
		}
		if g != nil && !hostHasGPUs() {
			return medperf.FieldError("gpus", "%q asks for GPUs but this machine has none (no NVIDIA driver or device found); run without --gpus / MEDPERF_GPUS", user)
		}
		s.Limits.GPUs = user
		return nil
	}
	g, err := ParseGPUs(s.Task.GPUs)
	if err != nil || g == nil {
		s.Limits.GPUs = ""
		return nil
	}
	if !hostHasGPUs() {
		s.Limits.GPUs = ""
		s.Notes = append(s.Notes, fmt.Sprintf("the container asks for GPUs (run_args.gpus: %s) but this machine has none: task %s runs on the CPU", s.Task.GPUs, s.Task.Name))
		return nil
	}
	s.Limits.GPUs = s.Task.GPUs
	return nil
}
