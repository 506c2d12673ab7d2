package cube

import (
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// TestTheContainersGPURequestIsHonoured (issue 13, container contract 3):
// run_args.gpus is used unless the user chooses; a machine without GPUs is
// said before the task starts.
func TestTheContainersGPURequestIsHonoured(t *testing.T) {
	cfg, err := ParseConfig("c.yaml", []byte("container_type: DockerImage\nimage: x\ntasks:\n  infer:\n    run_args:\n      gpus: all\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		hasGPUs  bool
		user     string
		want     string
		wantNote bool
		wantCode medperf.Code
	}{
		{"the container's request is used on a machine with GPUs", true, "", "all", false, ""},
		{"the user's choice wins", true, "1", "1", false, ""},
		{"the user may refuse GPUs", true, "none", "none", false, ""},
		{"without GPUs the container's request is dropped and said", false, "", "", true, ""},
		{"without GPUs a user's request is refused before anything runs", false, "2", "", false, medperf.CodeInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			old := hostHasGPUs
			hostHasGPUs = func() bool { return tt.hasGPUs }
			defer func() { hostHasGPUs = old }()
			s, err := NewSpec(Request{Config: cfg, Task: "infer", Limits: Limits{GPUs: tt.user}})
			if tt.wantCode != "" {
				if medperf.ErrorCode(err) != tt.wantCode {
					t.Fatalf("got %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Limits.GPUs != tt.want {
				t.Errorf("GPUs %q, want %q", s.Limits.GPUs, tt.want)
			}
			noted := len(s.Notes) == 1 && strings.Contains(s.Notes[0], "run_args.gpus: all")
			if noted != tt.wantNote {
				t.Errorf("notes %q", s.Notes)
			}
		})
	}
}
