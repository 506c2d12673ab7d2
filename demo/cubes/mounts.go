package cubes

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/medperf/medperf"
)

// The cubes of the reference benchmark.
const (
	Preparator     = "preparator"
	ModelThreshold = "model-threshold"
	ModelCC        = "model-cc"
	ModelLogReg    = "model-logreg"
	Evaluator      = "evaluator"
)

// ReferenceModel is the benchmark's reference model; the other two models are
// the ones model owners bring.
const ReferenceModel = ModelThreshold

// Cubes lists the cubes in the order a benchmark uses them.
var Cubes = []string{Preparator, ModelThreshold, ModelCC, ModelLogReg, Evaluator}

// Mounts maps a task's mount keys (data_path, output_path, ...) to paths.
type Mounts map[string]string

// Volume is one entry of a task's input_volumes or output_volumes.
type Volume struct {
	MountPath string `yaml:"mount_path"`
	Type      string `yaml:"type"` // file or directory
}

// TaskMounts is the mount plan of one task, as container_config.yaml states it.
type TaskMounts struct {
	Inputs  map[string]Volume
	Outputs map[string]Volume
}

const root = "/mlcommons/volumes/"

func dir(p string) Volume  { return Volume{MountPath: root + p, Type: "directory"} }
func file(p string) Volume { return Volume{MountPath: root + p, Type: "file"} }

var params = file("parameters/parameters_file.yaml")

// preparatorTasks is the mount plan of the data preparator. Inputs of
// sanity_check and statistics are the prepared data, at the paths where
// prepare writes it.
var preparatorTasks = map[string]TaskMounts{
	"prepare": {
		Inputs: map[string]Volume{"data_path": dir("raw_data"), "labels_path": dir("raw_labels"), "parameters_file": params},
		Outputs: map[string]Volume{"output_path": dir("data"), "output_labels_path": dir("labels"),
			"metadata_path": dir("metadata"), "report_file": file("report/report.yaml")},
	},
	"sanity_check": {
		Inputs: map[string]Volume{"data_path": dir("data"), "labels_path": dir("labels"), "metadata_path": dir("metadata"), "parameters_file": params},
	},
	"statistics": {
		Inputs:  map[string]Volume{"data_path": dir("data"), "labels_path": dir("labels"), "metadata_path": dir("metadata"), "parameters_file": params},
		Outputs: map[string]Volume{"output_path": file("statistics/statistics.yaml")},
	},
}

var inferTask = map[string]TaskMounts{
	"infer": {
		Inputs:  map[string]Volume{"data_path": dir("data"), "parameters_file": params, "additional_files": dir("additional_files")},
		Outputs: map[string]Volume{"output_path": dir("predictions")},
	},
}

var evaluatorTasks = map[string]TaskMounts{
	"evaluate": {
		Inputs:  map[string]Volume{"predictions": dir("predictions"), "labels": dir("labels"), "parameters_file": params},
		Outputs: map[string]Volume{"output_path": file("results/results.yaml"), "local_outputs_path": dir("local_outputs")},
	},
}

// Tasks returns the mount plan of every task of cube, or nil for an unknown cube.
func Tasks(cube string) map[string]TaskMounts {
	switch cube {
	case Preparator:
		return preparatorTasks
	case ModelThreshold, ModelCC, ModelLogReg:
		return inferTask
	case Evaluator:
		return evaluatorTasks
	}
	return nil
}

// DefaultMounts returns the default path of every mount key of a task.
func DefaultMounts(cube, task string) (Mounts, error) {
	tasks := Tasks(cube)
	if tasks == nil {
		return nil, medperf.FieldError("cube", "unknown cube %q; use one of %v", cube, Cubes)
	}
	t, ok := tasks[task]
	if !ok {
		return nil, medperf.FieldError("task", "cube %s has no task %q; it has %v", cube, task, slices.Sorted(maps.Keys(tasks)))
	}
	m := Mounts{}
	for k, v := range t.Inputs {
		m[k] = v.MountPath
	}
	for k, v := range t.Outputs {
		m[k] = v.MountPath
	}
	return m, nil
}

// Run runs one task of one cube with the given mounts (missing keys take their
// default paths) and prints progress to out. Failures are *medperf.Error
// values whose messages name the case or field at fault.
func Run(cube, task string, mounts Mounts, out io.Writer) error {
	m, err := DefaultMounts(cube, task)
	if err != nil {
		return err
	}
	for k, v := range mounts {
		if _, ok := m[k]; !ok {
			return medperf.FieldError(k, "task %s of cube %s has no mount key %q", task, cube, k)
		}
		m[k] = v
	}
	switch cube {
	case Preparator:
		switch task {
		case "prepare":
			return runPrepare(m, out)
		case "sanity_check":
			return runSanityCheck(m, out)
		default:
			return runStatistics(m, out)
		}
	case Evaluator:
		return runEvaluate(m, out)
	default:
		return runInfer(cube, m, out)
	}
}

// present reports whether an optional mount exists: the directory itself, or
// for a file mount the directory that would hold it.
func present(path string, isFile bool) bool {
	if isFile {
		path = filepath.Dir(path)
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}
