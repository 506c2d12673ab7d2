package cube

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/medperf/medperf"
)

const evaluatorConfig = `container_type: DockerImage
image: example.org/acme/metrics:1.0
tasks:
  evaluate:
    run_args:
      command: ["--threshold", "0.5"]
      entrypoint: /app/evaluate
      environment: {MODE: strict, LEVEL: 3}
      gpus: all
      shm_size: 2gb
    input_volumes:
      predictions: {mount_path: /mlcommons/volumes/predictions, type: directory}
      labels: {mount_path: /mlcommons/volumes/labels, type: directory}
      parameters_file: {mount_path: /mlcommons/volumes/parameters/parameters_file.yaml, type: file}
    output_volumes:
      output_path: {mount_path: /mlcommons/volumes/results/results.yaml, type: file}
`

func TestParseContainerConfigReadsEveryField(t *testing.T) {
	c, err := ParseConfig("container_config.yaml", []byte(evaluatorConfig))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path: "container_config.yaml", Type: DockerImage, Image: "example.org/acme/metrics:1.0",
		Tasks: map[string]*Task{"evaluate": {
			Name: "evaluate", Entrypoint: []string{"/app/evaluate"}, Command: []string{"--threshold", "0.5"},
			Environment: map[string]string{"MODE": "strict", "LEVEL": "3"}, GPUs: "all", ShmSize: 2 << 30,
			Inputs: []Volume{
				{Key: "predictions", MountPath: "/mlcommons/volumes/predictions", Type: VolumeDirectory},
				{Key: "labels", MountPath: "/mlcommons/volumes/labels", Type: VolumeDirectory},
				{Key: "parameters_file", MountPath: "/mlcommons/volumes/parameters/parameters_file.yaml", Type: VolumeFile},
			},
			Outputs: []Volume{{Key: "output_path", MountPath: "/mlcommons/volumes/results/results.yaml", Type: VolumeFile}},
		}},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("config differs (-want +got):\n%s", diff)
	}
}

func TestParseAcceptsEveryContainerType(t *testing.T) {
	for _, ct := range ContainerTypes {
		t.Run(string(ct)+" is accepted", func(t *testing.T) {
			c, err := ParseConfig("c.yaml", []byte("container_type: "+string(ct)+"\nimage: x\ntasks:\n  infer:\n"))
			if err != nil {
				t.Fatal(err)
			}
			if c.Type != ct {
				t.Errorf("type %q", c.Type)
			}
		})
	}
}

func TestParseFillsDefaultMountPathsPerTask(t *testing.T) {
	src := `container_type: DockerImage
image: x
tasks:
  prepare:
    input_volumes: {data_path: , labels_path: , parameters_file: , additional_files: }
    output_volumes: {output_path: , output_labels_path: , metadata_path: , report_file: }
  statistics:
    input_volumes: {data_path: , labels_path: , parameters_file: }
    output_volumes: {output_path: }
  infer:
    input_volumes: {data_path: , parameters_file: , additional_files: }
    output_volumes: {output_path: }
  evaluate:
    input_volumes: {predictions: , labels: , parameters_file: }
    output_volumes: {output_path: , local_outputs_path: }
`
	c, err := ParseConfig("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		task, key string
		path      string
		typ       VolumeType
		optional  bool
	}{
		{"prepare", "data_path", "/mlcommons/volumes/raw_data", VolumeDirectory, false},
		{"prepare", "additional_files", "/mlcommons/volumes/additional_files", VolumeDirectory, true},
		{"prepare", "output_path", "/mlcommons/volumes/data", VolumeDirectory, false},
		{"prepare", "report_file", "/mlcommons/volumes/report/report.yaml", VolumeFile, true},
		{"statistics", "output_path", "/mlcommons/volumes/statistics/statistics.yaml", VolumeFile, false},
		{"infer", "parameters_file", "/mlcommons/volumes/parameters/parameters_file.yaml", VolumeFile, false},
		{"infer", "output_path", "/mlcommons/volumes/predictions", VolumeDirectory, false},
		{"evaluate", "output_path", "/mlcommons/volumes/results/results.yaml", VolumeFile, false},
		{"evaluate", "local_outputs_path", "/mlcommons/volumes/local_outputs", VolumeDirectory, true},
	}
	for _, tt := range tests {
		t.Run(tt.task+" "+tt.key+" gets its default", func(t *testing.T) {
			v, _, ok := c.Tasks[tt.task].Volume(tt.key)
			if !ok {
				t.Fatal("volume missing")
			}
			if v.MountPath != tt.path || v.Type != tt.typ || v.Optional != tt.optional {
				t.Errorf("got %+v", v)
			}
		})
	}
}

func TestParseCommandStringIsSplitLikeAShell(t *testing.T) {
	c, err := ParseConfig("c.yaml", []byte("container_type: DockerImage\nimage: x\ntasks:\n  infer:\n    run_args:\n      command: python run.py --name 'a b' \"c d\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"python", "run.py", "--name", "a b", "c d"}
	if got := c.Tasks["infer"].Command; !slices.Equal(got, want) {
		t.Errorf("command %q, want %q", got, want)
	}
}

func TestParseEntrypointStringIsOneProgramAsInMedPerf(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        []string
	}{
		{"a path with a space stays one program", `"/opt/my app/run"`, []string{"/opt/my app/run"}},
		{"a plain string is not split on blanks", `python /app/eval.py`, []string{"python /app/eval.py"}},
		{"a list is the program and its first arguments", `["python", "/app/eval.py"]`, []string{"python", "/app/eval.py"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig("c.yaml", []byte("container_type: DockerImage\nimage: x\ntasks:\n  infer:\n    run_args:\n      entrypoint: "+tt.value+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Tasks["infer"].Entrypoint; !slices.Equal(got, tt.want) {
				t.Errorf("entrypoint %q, want %q", got, tt.want)
			}
		})
	}
}

// configErrorOf asserts err is CodeInvalid wrapping a *ConfigError and returns it.
func configErrorOf(tb testing.TB, err error) *ConfigError {
	tb.Helper()
	if code := medperf.ErrorCode(err); code != medperf.CodeInvalid {
		tb.Fatalf("code %q (err %v), want invalid", code, err)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) {
		tb.Fatalf("error %v does not wrap a *ConfigError", err)
	}
	return ce
}

func TestParseRejectsInvalidConfigsNamingFieldAndLine(t *testing.T) {
	base := "container_type: DockerImage\nimage: x\ntasks:\n  infer:\n"
	tests := []struct {
		name, src, field string
		line             int
	}{
		{"run_args outside the whitelist", base + "    run_args:\n      privileged: true\n", "tasks.infer.run_args.privileged", 6},
		{"unknown container type", "container_type: Podman\nimage: x\ntasks: {infer: }\n", "container_type", 1},
		{"unknown top-level field", base + "volumes: []\n", "volumes", 5},
		{"unknown task field", base + "    network: host\n", "tasks.infer.network", 5},
		{"bad volume type", base + "    input_volumes:\n      data_path: {mount_path: /d, type: socket}\n", "tasks.infer.input_volumes.data_path.type", 6},
		{"relative mount path", base + "    input_volumes:\n      data_path: {mount_path: d, type: directory}\n", "tasks.infer.input_volumes.data_path.mount_path", 6},
		{"mount path with dots", base + "    input_volumes:\n      data_path: {mount_path: /a/../etc}\n", "tasks.infer.input_volumes.data_path.mount_path", 6},
		{"mount over /proc", base + "    output_volumes:\n      output_path: {mount_path: /proc/x}\n", "tasks.infer.output_volumes.output_path.mount_path", 6},
		{"unknown key without default path", base + "    input_volumes:\n      weights: {type: directory}\n", "tasks.infer.input_volumes.weights.mount_path", 6},
		{"unknown volume field", base + "    input_volumes:\n      data_path: {mount_path: /d, mode: rw}\n", "tasks.infer.input_volumes.data_path.mode", 6},
		{"bad shm size", base + "    run_args:\n      shm_size: lots\n", "tasks.infer.run_args.shm_size", 6},
		{"bad env name", base + "    run_args:\n      environment: {\"A-B\": 1}\n", "tasks.infer.run_args.environment.A-B", 6},
		{"command not a string", base + "    run_args:\n      command: {a: b}\n", "tasks.infer.run_args.command", 6},
		{"duplicate key", base + "    run_args: {}\n    run_args: {}\n", "tasks.infer.run_args", 6},
		{"missing image", "container_type: DockerImage\ntasks: {infer: }\n", "image", 0},
		{"no tasks", "container_type: DockerImage\nimage: x\ntasks: {}\n", "tasks", 3},
		{"neither format", "name: x\n", "container_type", 1},
		{"not a mapping", "- a\n- b\n", "", 1},
		{"shared mount path", base + "    input_volumes:\n      data_path: {mount_path: /d}\n    output_volumes:\n      output_path: {mount_path: /d}\n", "tasks.infer", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			_, err := ParseConfig("cfg.yaml", []byte(tt.src))
			ce := configErrorOf(t, err)
			if ce.Field != tt.field || ce.Line != tt.line || ce.File != "cfg.yaml" {
				t.Errorf("got file %q field %q line %d, want field %q line %d (%v)", ce.File, ce.Field, ce.Line, tt.field, tt.line, err)
			}
			if ce.Problem == "" {
				t.Error("no problem stated")
			}
		})
	}
}

func TestParseRejectsBrokenYAML(t *testing.T) {
	for name, src := range map[string]string{"empty": "", "syntax": "a: [\n", "too large": string(make([]byte, MaxConfigSize+1))} {
		t.Run(name+" is rejected", func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(src))
			configErrorOf(t, err)
		})
	}
}

func TestReadConfigMissingFileIsNotFound(t *testing.T) {
	_, err := ReadConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		t.Fatalf("got %v", err)
	}
}

const legacyConfig = `name: acme
description: a legacy cube
docker:
  image: acme/legacy:0.1
  build_context: .
singularity:
  image: legacy.sif
tasks:
  infer:
    parameters:
      inputs:
        data_path: {type: directory, default: data}
        parameters_file: {type: file, default: parameters.yaml}
        weights: additional_files/
      outputs:
        output_path: {type: directory, default: predictions}
  evaluate:
    entrypoint: python /app/eval.py
    parameters:
      inputs: {predictions: predictions/, labels: /abs/labels/}
      outputs: {output_path: results.yaml}
`

func TestParseLegacyMLCube(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mlcube.yaml")
	c, err := ParseConfig(file, []byte(legacyConfig))
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "workspace")
	want := &Config{
		Path: file, Legacy: true, Type: DockerImage, Image: "acme/legacy:0.1", SingularityImage: "legacy.sif",
		Tasks: map[string]*Task{
			"infer": {Name: "infer", ParamArgs: true, Command: []string{"infer"},
				Inputs: []Volume{
					{Key: "data_path", MountPath: "/mlcube_io/inputs/data_path", Type: VolumeDirectory, Default: filepath.Join(ws, "data")},
					{Key: "parameters_file", MountPath: "/mlcube_io/inputs/parameters_file/parameters.yaml", Type: VolumeFile, Default: filepath.Join(ws, "parameters.yaml")},
					{Key: "weights", MountPath: "/mlcube_io/inputs/weights", Type: VolumeDirectory, Default: filepath.Join(ws, "additional_files")},
				},
				Outputs: []Volume{{Key: "output_path", MountPath: "/mlcube_io/outputs/output_path", Type: VolumeDirectory, Default: filepath.Join(ws, "predictions")}},
			},
			"evaluate": {Name: "evaluate", ParamArgs: true, Entrypoint: []string{"python", "/app/eval.py"},
				Inputs: []Volume{
					{Key: "predictions", MountPath: "/mlcube_io/inputs/predictions", Type: VolumeDirectory, Default: filepath.Join(ws, "predictions")},
					{Key: "labels", MountPath: "/mlcube_io/inputs/labels", Type: VolumeDirectory, Default: "/abs/labels"},
				},
				Outputs: []Volume{{Key: "output_path", MountPath: "/mlcube_io/outputs/output_path/results.yaml", Type: VolumeFile, Default: filepath.Join(ws, "results.yaml")}},
			},
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("config differs (-want +got):\n%s", diff)
	}
}

func TestParseLegacySingularityOnly(t *testing.T) {
	c, err := ParseConfig("mlcube.yaml", []byte("singularity: {image: cube.sif}\ntasks: {infer: }\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != SingularityFile || c.Image != "cube.sif" {
		t.Errorf("got type %q image %q", c.Type, c.Image)
	}
}

func TestParseRejectsInvalidLegacyConfigs(t *testing.T) {
	tests := []struct{ name, src, field string }{
		{"no image", "docker: {build_context: .}\ntasks: {infer: }\n", "docker.image"},
		{"unknown task field", "docker: {image: x}\ntasks:\n  infer:\n    gpus: all\n", "tasks.infer.gpus"},
		{"unknown parameters field", "docker: {image: x}\ntasks:\n  infer:\n    parameters: {volumes: {}}\n", "tasks.infer.parameters.volumes"},
		{"bad parameter type", "docker: {image: x}\ntasks:\n  infer:\n    parameters: {inputs: {d: {type: socket, default: d}}}\n", "tasks.infer.parameters.inputs.d.type"},
		{"missing default", "docker: {image: x}\ntasks:\n  infer:\n    parameters: {inputs: {d: {type: file}}}\n", "tasks.infer.parameters.inputs.d.default"},
		{"no tasks", "docker: {image: x}\n", "tasks"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			_, err := ParseConfig("mlcube.yaml", []byte(tt.src))
			if ce := configErrorOf(t, err); ce.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", ce.Field, tt.field, err)
			}
		})
	}
}

func TestReadConfigFromDisk(t *testing.T) {
	p := filepath.Join(t.TempDir(), "container_config.yaml")
	if err := os.WriteFile(p, []byte(evaluatorConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ReadConfig(p)
	if err != nil || c.Tasks["evaluate"] == nil {
		t.Fatalf("got %v, %v", c, err)
	}
}
