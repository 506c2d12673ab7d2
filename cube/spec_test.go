package cube

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

// MustParse parses src as a config file named file, failing the test on error.
func MustParse(tb testing.TB, file, src string) *Config {
	tb.Helper()
	c, err := ParseConfig(file, []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// MustMkdirs creates directories under root and returns root.
func MustMkdirs(tb testing.TB, root string, dirs ...string) string {
	tb.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

func evaluateRequest(t *testing.T) (Request, string) {
	root := MustMkdirs(t, t.TempDir(), "preds", "labels")
	params := filepath.Join(root, "params.yaml")
	os.WriteFile(params, []byte("a: 1\n"), 0o644)
	return Request{
		Config: MustParse(t, "c.yaml", evaluatorConfig), Task: "evaluate",
		Mounts:         map[string]string{"predictions": filepath.Join(root, "preds"), "labels": filepath.Join(root, "labels"), "output_path": filepath.Join(root, "out", "results.yaml")},
		ParametersFile: params,
	}, root
}

func TestNewSpecResolvesThePlan(t *testing.T) {
	r, root := evaluateRequest(t)
	r.Env = map[string]string{"MODE": "lenient", "EXTRA": "1"}
	s, err := NewSpec(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{Key: "predictions", Host: filepath.Join(root, "preds"), Container: "/mlcommons/volumes/predictions", Type: VolumeDirectory, ReadOnly: true},
		{Key: "labels", Host: filepath.Join(root, "labels"), Container: "/mlcommons/volumes/labels", Type: VolumeDirectory, ReadOnly: true},
		{Key: "parameters_file", Host: filepath.Join(root, "params.yaml"), Container: "/mlcommons/volumes/parameters/parameters_file.yaml", Type: VolumeFile, ReadOnly: true},
		{Key: "output_path", Host: filepath.Join(root, "out", "results.yaml"), Container: "/mlcommons/volumes/results/results.yaml", Type: VolumeFile},
	}
	if !slices.Equal(s.Mounts, want) {
		t.Errorf("mounts\n%+v\nwant\n%+v", s.Mounts, want)
	}
	if s.Env["MODE"] != "lenient" || s.Env["EXTRA"] != "1" || s.Env["LEVEL"] != "3" {
		t.Errorf("env %v: the request must add to and win over run_args", s.Env)
	}
	if s.Timeout != 4*time.Hour || s.Limits.Pids != DefaultPids || s.Limits.Memory <= 0 || s.Limits.CPUs <= 0 || s.Limits.ShmSize != 2<<30 {
		t.Errorf("defaults not applied: timeout %v limits %+v", s.Timeout, s.Limits)
	}
	if s.Limits.GPUs != "" {
		t.Errorf("GPUs %q given without being asked for", s.Limits.GPUs)
	}
	if uid, gid := ExpectedTaskUser(); s.UID != uid || s.GID != gid {
		t.Errorf("runs as %d:%d, want %d:%d", s.UID, s.GID, uid, gid)
	}
}

func TestNewSpecRejectsBadRequests(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Request)
		code  medperf.Code
		field string
	}{
		{"unknown task", func(r *Request) { r.Task = "train" }, medperf.CodeInvalid, "task"},
		{"missing required mount", func(r *Request) { delete(r.Mounts, "labels") }, medperf.CodeInvalid, "--mount labels"},
		{"unknown mount key", func(r *Request) { r.Mounts["weights"] = "/tmp" }, medperf.CodeInvalid, "--mount weights"},
		{"input that does not exist", func(r *Request) { r.Mounts["labels"] = "/no/such/dir" }, medperf.CodeNotFound, "--mount labels"},
		{"file where a directory is needed", func(r *Request) { r.Mounts["labels"] = r.ParametersFile }, medperf.CodeInvalid, "--mount labels"},
		{"parameters given twice", func(r *Request) { r.Mounts["parameters_file"] = r.ParametersFile }, medperf.CodeInvalid, "--mount parameters_file"},
		{"negative timeout", func(r *Request) { r.Timeout = -time.Second }, medperf.CodeInvalid, "limits"},
		{"too many cpus", func(r *Request) { r.CPUs = 1e6 }, medperf.CodeInvalid, "cpus"},
		{"bad env name", func(r *Request) { r.Env = map[string]string{"A B": "1"} }, medperf.CodeInvalid, "env"},
		{"malformed image hash", func(r *Request) { r.ImageHash = "abc" }, medperf.CodeInvalid, "image hash"},
		{"bad gpu spec", func(r *Request) { r.GPUs = "two please" }, medperf.CodeInvalid, "gpus"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			r, _ := evaluateRequest(t)
			tt.edit(&r)
			_, err := NewSpec(r)
			if medperf.ErrorCode(err) != tt.code {
				t.Fatalf("code %q (%v), want %q", medperf.ErrorCode(err), err, tt.code)
			}
			if e := err.(*medperf.Error); e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
		})
	}
}

func TestNewSpecLeavesOutOptionalVolumes(t *testing.T) {
	c := MustParse(t, "c.yaml", "container_type: DockerImage\nimage: x\ntasks:\n  infer:\n    input_volumes: {data_path: , additional_files: }\n    output_volumes: {output_path: }\n")
	root := MustMkdirs(t, t.TempDir(), "data")
	s, err := NewSpec(Request{Config: c, Task: "infer", Mounts: map[string]string{"data_path": filepath.Join(root, "data"), "output_path": filepath.Join(root, "p")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Mounts) != 2 {
		t.Errorf("mounts %+v", s.Mounts)
	}
}

func TestNewSpecLegacyPassesParametersAsArguments(t *testing.T) {
	dir := t.TempDir()
	c := MustParse(t, filepath.Join(dir, "mlcube.yaml"), legacyConfig)
	MustMkdirs(t, dir, "workspace/data", "workspace/additional_files")
	os.WriteFile(filepath.Join(dir, "workspace", "parameters.yaml"), nil, 0o644)
	s, err := NewSpec(Request{Config: c, Task: "infer"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"infer", "--data_path=/mlcube_io/inputs/data_path", "--parameters_file=/mlcube_io/inputs/parameters_file/parameters.yaml",
		"--weights=/mlcube_io/inputs/weights", "--output_path=/mlcube_io/outputs/output_path"}
	if !slices.Equal(s.Command, want) {
		t.Errorf("command %q\nwant %q", s.Command, want)
	}
	if s.Mounts[0].Host != filepath.Join(dir, "workspace", "data") {
		t.Errorf("default host path %q is not under workspace/", s.Mounts[0].Host)
	}
}

func TestCreateOutputsMakesFilesAndDirectoriesForTheUser(t *testing.T) {
	root := t.TempDir()
	s := &Spec{UID: 4321, GID: 4322, Mounts: []Mount{
		{Key: "output_path", Host: filepath.Join(root, "a", "results.yaml"), Type: VolumeFile},
		{Key: "local_outputs_path", Host: filepath.Join(root, "b", "c"), Type: VolumeDirectory},
		{Key: "in", Host: filepath.Join(root, "never"), Type: VolumeDirectory, ReadOnly: true},
	}}
	if os.Getuid() != 0 {
		s.UID, s.GID = os.Getuid(), os.Getgid()
	}
	if err := s.CreateOutputs(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "a/results.yaml", "b", "b/c"} {
		fi, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != s.UID || int(st.Gid) != s.GID {
			t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, s.UID, s.GID)
		}
	}
	if fi, _ := os.Stat(filepath.Join(root, "a", "results.yaml")); !fi.Mode().IsRegular() {
		t.Error("file output is not a regular file")
	}
	if _, err := os.Stat(filepath.Join(root, "never")); !os.IsNotExist(err) {
		t.Error("an input was created")
	}
}

func TestCreateOutputsRejectsWrongTypes(t *testing.T) {
	root := t.TempDir()
	s := &Spec{UID: os.Getuid(), GID: os.Getgid(), Mounts: []Mount{{Key: "output_path", Host: root, Type: VolumeFile}}}
	if err := s.CreateOutputs(); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("got %v", err)
	}
}

func TestOpenOutputPrefixesLinesAndWritesTheLog(t *testing.T) {
	var term bytes.Buffer
	log := filepath.Join(t.TempDir(), "logs", "infer.log")
	s := &Spec{Task: &Task{Name: "infer"}, Stdout: &term, LogFile: log}
	out, err := s.OpenOutput()
	if err != nil {
		t.Fatal(err)
	}
	out.Stdout.Write([]byte("one\ntw"))
	out.Stderr.Write([]byte("o\nthree"))
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := term.String(), "[infer] one\n[infer] two\n[infer] three\n"; got != want {
		t.Errorf("terminal %q, want %q", got, want)
	}
	data, _ := os.ReadFile(log)
	if got := string(data); got != "one\ntwo\nthree" {
		t.Errorf("log %q", got)
	}
}

func TestTaskErrorsHaveDistinctCodes(t *testing.T) {
	codes := map[medperf.Code]string{}
	for name, err := range map[string]error{
		"exit":    &ExitError{Task: "infer", Status: 3},
		"oom":     &OOMError{Task: "infer", Limit: 1 << 30},
		"timeout": &TimeoutError{Task: "infer", Timeout: time.Second},
	} {
		c := medperf.ErrorCode(err)
		if other, dup := codes[c]; dup {
			t.Errorf("%s and %s share code %q", name, other, c)
		}
		codes[c] = name
		if !strings.Contains(medperf.ErrorMessage(err), "infer") {
			t.Errorf("%s message %q does not name the task", name, medperf.ErrorMessage(err))
		}
	}
}

func TestDefaultTimeoutsPerTask(t *testing.T) {
	for task, want := range map[string]time.Duration{"prepare": 24 * time.Hour, "sanity_check": 2 * time.Hour, "statistics": 2 * time.Hour, "infer": 24 * time.Hour, "evaluate": 4 * time.Hour, "train": OtherTaskTimeout} {
		if got := DefaultTimeout(task); got != want {
			t.Errorf("%s: %v, want %v", task, got, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "1k": 1024, "2g": 2 << 30, "1GiB": 1 << 30, "64mb": 64 << 20} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "lots", "1x"} {
		if _, err := ParseSize(bad); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNewSpecResolvesArchivesBesideTheConfig(t *testing.T) {
	dir := t.TempDir()
	c := MustParse(t, filepath.Join(dir, "container_config.yaml"), "container_type: DockerArchive\nimage: image.tar\ntasks: {infer: }\n")
	s, err := NewSpec(Request{Config: c, Task: "infer"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Image != filepath.Join(dir, "image.tar") {
		t.Errorf("image %q", s.Image)
	}
	c = MustParse(t, filepath.Join(dir, "container_config.yaml"), "container_type: DockerImage\nimage: acme/m:1\ntasks: {infer: }\n")
	if s, _ := NewSpec(Request{Config: c, Task: "infer"}); s.Image != "acme/m:1" {
		t.Errorf("a registry reference became %q", s.Image)
	}
}
