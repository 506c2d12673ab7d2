package cube

import (
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
