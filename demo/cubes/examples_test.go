package cubes_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/synth"
)

var update = flag.Bool("update", false, "rewrite the generated files under examples/demo")

const examples = "../../examples/demo"

// checkGolden compares the file at path with want, or writes it with -update.
func checkGolden(t *testing.T, path string, want []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./demo/cubes -run Examples -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./demo/cubes -run Examples -update", path)
	}
}

func TestExamplesContainerConfigsFollowTheCubes(t *testing.T) {
	for _, cube := range cubes.Cubes {
		t.Run(cube+" config is current", func(t *testing.T) {
			path := filepath.Join(examples, cube, "container_config.yaml")
			checkGolden(t, path, cubes.ContainerConfig(cube, cubes.Image(cube)))
			var cfg struct {
				ContainerType string `yaml:"container_type"`
				Image         string `yaml:"image"`
				Tasks         map[string]struct {
					RunArgs       map[string][]string     `yaml:"run_args"`
					InputVolumes  map[string]cubes.Volume `yaml:"input_volumes"`
					OutputVolumes map[string]cubes.Volume `yaml:"output_volumes"`
				} `yaml:"tasks"`
			}
			b, _ := os.ReadFile(path)
			if err := yaml.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.ContainerType != "DockerImage" || cfg.Image != cubes.Image(cube) {
				t.Errorf("type %q image %q", cfg.ContainerType, cfg.Image)
			}
			if len(cfg.Tasks) != len(cubes.Tasks(cube)) {
				t.Errorf("tasks %v", cfg.Tasks)
			}
			for name, task := range cfg.Tasks {
				defaults, err := cubes.DefaultMounts(cube, name)
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, vols := range []map[string]cubes.Volume{task.InputVolumes, task.OutputVolumes} {
					for k, v := range vols {
						n++
						if defaults[k] != v.MountPath {
							t.Errorf("%s.%s mounts at %s, the cube reads %s", name, k, v.MountPath, defaults[k])
						}
					}
				}
				if n != len(defaults) {
					t.Errorf("%s has %d volumes, the cube uses %d", name, n, len(defaults))
				}
				if len(task.RunArgs["command"]) != 1 || task.RunArgs["command"][0] != name {
					t.Errorf("%s command %v", name, task.RunArgs["command"])
				}
			}
		})
	}
}

func TestExamplesWeightsAreTheTrainedOnes(t *testing.T) {
	w, err := synth.TrainWeights()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(examples, "model-logreg", "additional_files", cubes.WeightsFile)
	if *update {
		checkGolden(t, path, append(b, '\n'))
	}
	shipped, err := cubes.ReadWeights(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w.Weights {
		if d := shipped.Weights[i] - w.Weights[i]; d > 1e-9 || d < -1e-9 {
			t.Errorf("weight %d shipped %v, trained %v: run go test ./demo/cubes -run Examples -update", i, shipped.Weights[i], w.Weights[i])
		}
	}
}

func TestExamplesParametersAreValid(t *testing.T) {
	for _, cube := range []string{cubes.ModelThreshold, cubes.ModelCC, cubes.ModelLogReg} {
		dir := filepath.Join(examples, cube)
		if _, err := cubes.LoadModel(cube, filepath.Join(dir, "parameters.yaml"), filepath.Join(dir, "additional_files")); err != nil {
			t.Errorf("%s: %v", cube, err)
		}
	}
	var spec cubes.Spec
	b, _ := os.ReadFile(filepath.Join(examples, "preparator", "parameters.yaml"))
	if err := yaml.Unmarshal(b, &spec); err != nil || spec != synth.BenchmarkSpec {
		t.Errorf("preparator parameters %+v (%v), want the benchmark's spec %+v", spec, err, synth.BenchmarkSpec)
	}
}
