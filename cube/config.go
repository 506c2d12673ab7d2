package cube

import (
	"fmt"

	"github.com/medperf/medperf"
)

// ContainerType says how a container's image is distributed.
type ContainerType string

// The container types of container_config.yaml.
const (
	DockerImage              ContainerType = "DockerImage"
	DockerArchive            ContainerType = "DockerArchive"
	SingularityFile          ContainerType = "SingularityFile"
	EncryptedDockerArchive   ContainerType = "EncryptedDockerArchive"
	EncryptedSingularityFile ContainerType = "EncryptedSingularityFile"
)

// ContainerTypes lists every container type, in a stable order.
var ContainerTypes = []ContainerType{
	DockerImage, DockerArchive, SingularityFile, EncryptedDockerArchive, EncryptedSingularityFile,
}

// Encrypted reports whether images of type t need a decryption key.
func (t ContainerType) Encrypted() bool {
	return t == EncryptedDockerArchive || t == EncryptedSingularityFile
}

// Runnable returns nil when this version can run images of type t given
// key (the model owner's secret, nil for none), or CodeInvalid with Field
// "decryption_key" saying what to do. Every runtime asks it (through
// Spec.Runnable) before anything else, so that what can run is decided here
// once: an encrypted type runs only with a key.
func (t ContainerType) Runnable(key Secret) error {
	if t.Encrypted() && len(key) == 0 {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "decryption_key", Message: fmt.Sprintf(
			"container type %s needs a decryption key: ask the model owner for access (medperf model check-access) or pass --decryption-key FILE", t)}
	}
	return nil
}

// Docker reports whether images of type t are Docker images.
func (t ContainerType) Docker() bool {
	return t == DockerImage || t == DockerArchive || t == EncryptedDockerArchive
}

// Config is one container, whichever file it was read from.
type Config struct {
	// Path is the file the config was read from ("" when parsed from bytes
	// without a name).
	Path string
	// Legacy is true for an MLCube mlcube.yaml.
	Legacy bool
	// Type says how Image is distributed.
	Type ContainerType
	// Image is a registry reference (DockerImage), or the URL or path of an
	// archive or SIF file.
	Image string
	// SingularityImage is the legacy singularity.image of an mlcube.yaml,
	// used by the Apptainer runtime when Type is DockerImage; "" otherwise.
	SingularityImage string
	// Tasks maps task names (prepare, infer, ...) to tasks.
	Tasks map[string]*Task
}

// VolumeType says whether a mount is a file or a directory.
type VolumeType string

// The volume types.
const (
	VolumeFile      VolumeType = "file"
	VolumeDirectory VolumeType = "directory"
)

// Volume is one input or output mount of a task.
type Volume struct {
	// Key is the mount key (data_path, output_path, ...).
	Key string
	// MountPath is the absolute path inside the container.
	MountPath string
	// Type is file or directory.
	Type VolumeType
	// Optional volumes may be left out of a mount plan.
	Optional bool
	// Default is the host path used when the mount plan leaves the key out
	// (legacy mlcube.yaml: the parameter's default under workspace/); "" otherwise.
	Default string
}

// Task is one task of a container.
type Task struct {
	Name string
	// Entrypoint and Command override the image's when not empty
	// (run_args.entrypoint, run_args.command).
	Entrypoint []string
	Command    []string
	// Environment is run_args.environment.
	Environment map[string]string
	// GPUs is run_args.gpus: what the container says it can use. GPUs are
	// given only when the user asks for them.
	GPUs string
	// ShmSize is run_args.shm_size in bytes, 0 for the engine's default.
	ShmSize int64
	Inputs  []Volume
	Outputs []Volume
	// ParamArgs is true for legacy MLCube tasks: every mounted parameter is
	// also passed as a --key=path argument.
	ParamArgs bool
}

// Volume returns the input or output volume with the given key, and whether it
// is an output.
func (t *Task) Volume(key string) (v Volume, output, ok bool) {
	for _, v := range t.Inputs {
		if v.Key == key {
			return v, false, true
		}
	}
	for _, v := range t.Outputs {
		if v.Key == key {
			return v, true, true
		}
	}
	return Volume{}, false, false
}
