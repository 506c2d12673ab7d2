package cube

import (
	"bytes"
	"io"
	"os"
	"strings"

	"github.com/docker/go-units"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// MaxConfigSize is the largest config file read, in bytes.
const MaxConfigSize = 1 << 20

// ReadConfig reads and parses the config file at path (container_config.yaml
// or mlcube.yaml, told apart by their contents). Errors have CodeInvalid and
// wrap a *ConfigError naming the file, the field and its line; a missing file
// has CodeNotFound.
func ReadConfig(file string) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, medperf.Errorf(medperf.CodeNotFound, "container config %s does not exist", file)
		}
		return nil, medperf.Errorf(medperf.CodeInvalid, "cannot read container config %s: %v", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "cannot read container config %s: %v", file, err)
	}
	return ParseConfig(file, data)
}

// ParseConfig parses data, the contents of the config file named file. A
// container_config.yaml has a container_type; an mlcube.yaml has a docker or
// singularity section. Relative legacy defaults resolve against the
// workspace/ directory beside file.
func ParseConfig(file string, data []byte) (*Config, error) {
	c, err := parseConfig(file, data)
	if err != nil {
		return nil, invalid(file, err)
	}
	return c, nil
}

func parseConfig(file string, data []byte) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, failAt(nil, "", "is larger than %d bytes", MaxConfigSize)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, failAt(nil, "", "is empty; it needs container_type, image and tasks")
		}
		return nil, failAt(nil, "", "is not valid YAML: %v", err)
	}
	root := doc.Content[0]
	top, err := entries(root)
	if err != nil {
		return nil, err
	}
	for _, e := range top {
		if e.key == "container_type" {
			return containerConfig(file, root)
		}
	}
	for _, e := range top {
		if e.key == "docker" || e.key == "singularity" {
			return parseLegacy(file, root)
		}
	}
	return nil, failAt(root, "container_type", "is missing: a container_config.yaml needs container_type (%s); an mlcube.yaml needs docker.image", typeList())
}

func typeList() string {
	var s []string
	for _, t := range ContainerTypes {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// containerFile is a container_config.yaml.
type containerFile struct {
	ContainerType string                `yaml:"container_type"`
	Image         string                `yaml:"image"`
	Tasks         namedMap[*taskFields] `yaml:"tasks"`
}

func (*containerFile) unknownField() string { return "is not a container_config field" }

// taskFields is a task of a container_config.yaml.
type taskFields struct {
	RunArgs       *runArgs               `yaml:"run_args"`
	InputVolumes  namedMap[*mountFields] `yaml:"input_volumes"`
	OutputVolumes namedMap[*mountFields] `yaml:"output_volumes"`
}

func (*taskFields) unknownField() string { return "is not a task field" }

// runArgs is the run_args of a task: only what cannot weaken isolation.
type runArgs struct {
	Command     words       `yaml:"command"`
	Entrypoint  program     `yaml:"entrypoint"`
	Environment environment `yaml:"environment"`
	GPUs        string      `yaml:"gpus"`
	ShmSize     byteSize    `yaml:"shm_size"`
}

func (*runArgs) unknownField() string { return "is not allowed in run_args" }

func containerConfig(file string, root *yaml.Node) (*Config, error) {
	var f containerFile
	nodes, err := decodeFields(root, &f)
	if err != nil {
		return nil, err
	}
	c := &Config{Path: file, Type: ContainerType(f.ContainerType), Image: strings.TrimSpace(f.Image), Tasks: map[string]*Task{}}
	if !containsType(c.Type) {
		return nil, failAt(nodes["container_type"], "container_type", "%q is not a container type; use one of %s", f.ContainerType, typeList())
	}
	if c.Image == "" {
		return nil, failAt(nil, "image", "is missing or empty; it names the image (a registry reference, or the URL or path of the archive)")
	}
	if err := checkTasks(f.Tasks, nodes["tasks"]); err != nil {
		return nil, err
	}
	for _, nt := range f.Tasks {
		t, err := containerTask(nt.Key, nt.Value)
		if err != nil {
			return nil, under("tasks."+nt.Key, nt.Node, err)
		}
		c.Tasks[nt.Key] = t
	}
	return c, nil
}

// checkTasks refuses a missing, null or empty tasks mapping.
func checkTasks[T any](tasks namedMap[T], n *yaml.Node) error {
	if n == nil {
		return failAt(nil, "tasks", "is missing; a container needs at least one task")
	}
	if isNull(n) {
		return failAt(n, "tasks", "must be a mapping (key: value lines)")
	}
	if len(tasks) == 0 {
		return failAt(n, "tasks", "is empty; a container needs at least one task")
	}
	return nil
}

func containsType(t ContainerType) bool {
	for _, x := range ContainerTypes {
		if x == t {
			return true
		}
	}
	return false
}

func containerTask(name string, f *taskFields) (*Task, error) {
	t := &Task{Name: name}
	if f == nil {
		return t, nil
	}
	if a := f.RunArgs; a != nil {
		t.Command, t.Entrypoint, t.GPUs, t.ShmSize = a.Command, a.Entrypoint, a.GPUs, int64(a.ShmSize)
		if a.Environment != nil {
			t.Environment = a.Environment
		}
	}
	var err error
	if t.Inputs, err = buildVolumes(f.InputVolumes, mountVolume(name, false)); err != nil {
		return nil, under("input_volumes", nil, err)
	}
	if t.Outputs, err = buildVolumes(f.OutputVolumes, mountVolume(name, true)); err != nil {
		return nil, under("output_volumes", nil, err)
	}
	return t, checkMountPaths(t)
}

// ParseSize parses a byte size: a number of bytes, or a number with a unit
// (k, m, g, t, with optional b or ib; binary multiples, as Docker reads them).
// Zero and negative sizes are rejected.
func ParseSize(s string) (int64, error) {
	b, err := units.RAMInBytes(strings.TrimSpace(s))
	if err != nil || b <= 0 {
		return 0, medperf.FieldError("size", "%q is not a positive size (512m, 2g)", s)
	}
	return b, nil
}
