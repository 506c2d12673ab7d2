package cube

import "time"

// The tasks MedPerf runs.
const (
	TaskPrepare     = "prepare"
	TaskSanityCheck = "sanity_check"
	TaskStatistics  = "statistics"
	TaskInfer       = "infer"
	TaskEvaluate    = "evaluate"
)

// volumeDefault is the default mount of a known mount key of a known task.
type volumeDefault struct {
	path     string
	typ      VolumeType
	optional bool
}

const volumes = "/mlcommons/volumes/"

var parametersDefault = volumeDefault{volumes + "parameters/parameters_file.yaml", VolumeFile, false}

// taskDefaults holds, per known task, the default mount path, type and
// optionality of each mount key (reference/medperf.md, "The container
// contract"). Volumes of a config that leave out mount_path or type get these.
var taskDefaults = map[string]struct{ in, out map[string]volumeDefault }{
	TaskPrepare: {
		in: map[string]volumeDefault{
			"data_path":        {volumes + "raw_data", VolumeDirectory, false},
			"labels_path":      {volumes + "raw_labels", VolumeDirectory, false},
			"parameters_file":  parametersDefault,
			"additional_files": {volumes + "additional_files", VolumeDirectory, true},
		},
		out: map[string]volumeDefault{
			"output_path":        {volumes + "data", VolumeDirectory, false},
			"output_labels_path": {volumes + "labels", VolumeDirectory, false},
			"metadata_path":      {volumes + "metadata", VolumeDirectory, true},
			"report_file":        {volumes + "report/report.yaml", VolumeFile, true},
		},
	},
	TaskSanityCheck: {
		in: map[string]volumeDefault{
			"data_path":       {volumes + "data", VolumeDirectory, false},
			"labels_path":     {volumes + "labels", VolumeDirectory, false},
			"metadata_path":   {volumes + "metadata", VolumeDirectory, true},
			"parameters_file": parametersDefault,
		},
	},
	TaskStatistics: {
		in: map[string]volumeDefault{
			"data_path":       {volumes + "data", VolumeDirectory, false},
			"labels_path":     {volumes + "labels", VolumeDirectory, false},
			"metadata_path":   {volumes + "metadata", VolumeDirectory, true},
			"parameters_file": parametersDefault,
		},
		out: map[string]volumeDefault{
			"output_path": {volumes + "statistics/statistics.yaml", VolumeFile, false},
		},
	},
	TaskInfer: {
		in: map[string]volumeDefault{
			"data_path":        {volumes + "data", VolumeDirectory, false},
			"parameters_file":  parametersDefault,
			"additional_files": {volumes + "additional_files", VolumeDirectory, true},
		},
		out: map[string]volumeDefault{
			"output_path": {volumes + "predictions", VolumeDirectory, false},
		},
	},
	TaskEvaluate: {
		in: map[string]volumeDefault{
			"predictions":     {volumes + "predictions", VolumeDirectory, false},
			"labels":          {volumes + "labels", VolumeDirectory, false},
			"parameters_file": parametersDefault,
		},
		out: map[string]volumeDefault{
			"output_path":        {volumes + "results/results.yaml", VolumeFile, false},
			"local_outputs_path": {volumes + "local_outputs", VolumeDirectory, true},
		},
	},
}

// lookupDefault returns the default of mount key in task, if the pair is known.
func lookupDefault(task, key string, output bool) (volumeDefault, bool) {
	d, ok := taskDefaults[task]
	if !ok {
		return volumeDefault{}, false
	}
	m := d.in
	if output {
		m = d.out
	}
	v, ok := m[key]
	return v, ok
}

// defaultTimeouts are the timeouts of tasks run without an explicit one:
// generous enough for a large hospital dataset on a CPU, short enough that
// a hung container does not block a site for days.
var defaultTimeouts = map[string]time.Duration{
	TaskPrepare:     24 * time.Hour,
	TaskSanityCheck: 2 * time.Hour,
	TaskStatistics:  2 * time.Hour,
	TaskInfer:       24 * time.Hour,
	TaskEvaluate:    4 * time.Hour,
}

// OtherTaskTimeout is the default timeout of a task not named in
// DefaultTimeout's table.
const OtherTaskTimeout = 24 * time.Hour

// DefaultTimeout returns the timeout of task when the user gives none:
// prepare 24h, sanity_check 2h, statistics 2h, infer 24h, evaluate 4h, any
// other task OtherTaskTimeout.
func DefaultTimeout(task string) time.Duration {
	if d, ok := defaultTimeouts[task]; ok {
		return d
	}
	return OtherTaskTimeout
}
