package site

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// TestFinding16PreparatorWithoutOutputs: a preparator declaring no output
// volumes failed with "PATH: .../prepared/data does not exist". It is now
// refused before it runs, naming the container and what it must declare.
func TestFinding16PreparatorWithoutOutputs(t *testing.T) {
	in := `"input_volumes": {"data_path": {"mount_path": "/d", "type": "directory"}, "labels_path": {"mount_path": "/l", "type": "directory"}}`
	for _, c := range []struct{ name, tasks, missing string }{
		{"no output volumes", `"prepare": {` + in + `}, "sanity_check": {` + in + `}, "statistics": {` + in + `}`, "output_path"},
		{"no prepared labels", `"prepare": {` + in + `, "output_volumes": {"output_path": {"mount_path": "/o", "type": "directory"}}}, "sanity_check": {` + in + `}, "statistics": {` + in + `}`, "output_labels_path"},
		{"no statistics task", `"prepare": {` + in + `, "output_volumes": {"output_path": {"mount_path": "/o", "type": "directory"}, "output_labels_path": {"mount_path": "/ol", "type": "directory"}}}, "sanity_check": {` + in + `}`, "statistics"},
	} {
		t.Run(c.name+" is refused before running", func(t *testing.T) {
			cfg, err := cube.ParseConfig("", []byte(`{"container_type": "DockerImage", "image": "example.org/prep:1", "tasks": {`+c.tasks+`}}`))
			if err != nil {
				t.Fatal(err)
			}
			rt := &fakeRuntime{}
			s := &Site{Home: t.TempDir(), Runtime: rt}
			j, err := OpenJournal(filepath.Join(t.TempDir(), "journal.json"))
			if err != nil {
				t.Fatal(err)
			}
			raw := t.TempDir()
			err = s.prepare(context.Background(), &Component{Name: "my-preparator", Config: cfg}, raw, raw, Prepared{Dir: filepath.Join(t.TempDir(), "prepared")}, j, nil)
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("got %v, want CodeInvalid", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "my-preparator") || !strings.Contains(msg, c.missing) {
				t.Errorf("%q must name the container and %s", msg, c.missing)
			}
			if rt.count(StepPrepare) != 0 {
				t.Error("the preparator ran")
			}
		})
	}
}
