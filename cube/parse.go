package cube

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
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
	p := &parser{file: file}
	if len(data) > MaxConfigSize {
		return nil, p.fail(nil, "", "is larger than %d bytes", MaxConfigSize)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, p.fail(nil, "", "is empty; it needs container_type, image and tasks")
		}
		return nil, p.fail(nil, "", "is not valid YAML: %v", err)
	}
	root := doc.Content[0]
	top, err := p.mapping(root, "")
	if err != nil {
		return nil, err
	}
	for _, kv := range top {
		if kv.key == "container_type" {
			return p.containerConfig(top)
		}
	}
	for _, kv := range top {
		if kv.key == "docker" || kv.key == "singularity" {
			return p.legacy(top)
		}
	}
	return nil, p.fail(root, "container_type", "is missing: a container_config.yaml needs container_type (%s); an mlcube.yaml needs docker.image", typeList())
}

func typeList() string {
	var s []string
	for _, t := range ContainerTypes {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

var topFields = map[string]bool{"container_type": true, "image": true, "tasks": true}

func (p *parser) containerConfig(top []pair) (*Config, error) {
	c := &Config{Path: p.file, Tasks: map[string]*Task{}}
	var tasks *pair
	for i, kv := range top {
		switch kv.key {
		case "container_type":
			s, err := p.scalar(kv.value, "container_type")
			if err != nil {
				return nil, err
			}
			c.Type = ContainerType(s)
			if !containsType(c.Type) {
				return nil, p.fail(kv.value, "container_type", "%q is not a container type; use one of %s", s, typeList())
			}
		case "image":
			s, err := p.scalar(kv.value, "image")
			if err != nil {
				return nil, err
			}
			c.Image = strings.TrimSpace(s)
		case "tasks":
			tasks = &top[i]
		default:
			return nil, p.fail(kv.kNode, kv.key, "is not a container_config field; allowed: %s", keysOf(topFields))
		}
	}
	if c.Image == "" {
		return nil, p.fail(nil, "image", "is missing or empty; it names the image (a registry reference, or the URL or path of the archive)")
	}
	if tasks == nil {
		return nil, p.fail(nil, "tasks", "is missing; a container needs at least one task")
	}
	entries, err := p.mapping(tasks.value, "tasks")
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, p.fail(tasks.value, "tasks", "is empty; a container needs at least one task")
	}
	for _, kv := range entries {
		if err := checkName(p, kv.kNode, "tasks", kv.key); err != nil {
			return nil, err
		}
		t, err := p.task(kv.key, kv.value)
		if err != nil {
			return nil, err
		}
		c.Tasks[kv.key] = t
	}
	return c, nil
}

func containsType(t ContainerType) bool {
	for _, x := range ContainerTypes {
		if x == t {
			return true
		}
	}
	return false
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func checkName(p *parser, n *yaml.Node, field, name string) error {
	if !namePattern.MatchString(name) {
		return p.fail(n, join(field, name), "is not a valid name: use letters, digits, _ . - (at most 64)")
	}
	return nil
}

var taskFields = map[string]bool{"run_args": true, "input_volumes": true, "output_volumes": true}

func (p *parser) task(name string, n *yaml.Node) (*Task, error) {
	field := "tasks." + name
	t := &Task{Name: name}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return t, nil
	}
	entries, err := p.mapping(n, field)
	if err != nil {
		return nil, err
	}
	for _, kv := range entries {
		f := join(field, kv.key)
		switch kv.key {
		case "run_args":
			if err := p.runArgs(t, kv.value, f); err != nil {
				return nil, err
			}
		case "input_volumes":
			if t.Inputs, err = p.volumes(name, kv.value, f, false); err != nil {
				return nil, err
			}
		case "output_volumes":
			if t.Outputs, err = p.volumes(name, kv.value, f, true); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail(kv.kNode, f, "is not a task field; allowed: %s", keysOf(taskFields))
		}
	}
	return t, checkMountPaths(p, t, field)
}

var runArgFields = map[string]bool{"command": true, "entrypoint": true, "environment": true, "gpus": true, "shm_size": true}

func (p *parser) runArgs(t *Task, n *yaml.Node, field string) error {
	entries, err := p.mapping(n, field)
	if err != nil {
		return err
	}
	for _, kv := range entries {
		f := join(field, kv.key)
		switch kv.key {
		case "command":
			t.Command, err = p.words(kv.value, f)
		case "entrypoint":
			t.Entrypoint, err = p.words(kv.value, f)
		case "environment":
			t.Environment, err = p.environment(kv.value, f)
		case "gpus":
			t.GPUs, err = p.scalar(kv.value, f)
		case "shm_size":
			t.ShmSize, err = p.size(kv.value, f)
		default:
			return p.fail(kv.kNode, f, "is not allowed in run_args; allowed: %s", keysOf(runArgFields))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// environment reads a map of names to values, or a list of NAME=value.
func (p *parser) environment(n *yaml.Node, field string) (map[string]string, error) {
	env := map[string]string{}
	add := func(node *yaml.Node, k, v string) error {
		if !envName.MatchString(k) {
			return p.fail(node, join(field, k), "is not a valid environment variable name (letters, digits, _)")
		}
		if _, dup := env[k]; dup {
			return p.fail(node, join(field, k), "appears twice")
		}
		env[k] = v
		return nil
	}
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			s, err := p.scalar(item, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			k, v, ok := strings.Cut(s, "=")
			if !ok {
				return nil, p.fail(item, fmt.Sprintf("%s[%d]", field, i), "must be NAME=value")
			}
			if err := add(item, k, v); err != nil {
				return nil, err
			}
		}
		return env, nil
	}
	entries, err := p.mapping(n, field)
	if err != nil {
		return nil, p.fail(n, field, "must be a mapping of NAME: value, or a list of NAME=value")
	}
	for _, kv := range entries {
		v := ""
		if kv.value.Kind != yaml.ScalarNode || kv.value.Tag != "!!null" {
			if v, err = p.scalar(kv.value, join(field, kv.key)); err != nil {
				return nil, err
			}
		}
		if err := add(kv.kNode, kv.key, v); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// size reads a byte size: a number of bytes or a string like 512m, 2gb, 1GiB.
func (p *parser) size(n *yaml.Node, field string) (int64, error) {
	s, err := p.scalar(n, field)
	if err != nil {
		return 0, err
	}
	b, err := ParseSize(s)
	if err != nil {
		return 0, p.fail(n, field, "%q is not a size; write bytes or a number with a unit (512m, 2g)", s)
	}
	return b, nil
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

var volumeFields = map[string]bool{"mount_path": true, "type": true}

func (p *parser) volumes(task string, n *yaml.Node, field string, output bool) ([]Volume, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil, nil
	}
	entries, err := p.mapping(n, field)
	if err != nil {
		return nil, err
	}
	var out []Volume
	for _, kv := range entries {
		f := join(field, kv.key)
		if err := checkName(p, kv.kNode, field, kv.key); err != nil {
			return nil, err
		}
		v := Volume{Key: kv.key}
		if d, ok := lookupDefault(task, kv.key, output); ok {
			v.MountPath, v.Type, v.Optional = d.path, d.typ, d.optional
		}
		if kv.value.Kind == yaml.ScalarNode && kv.value.Tag == "!!null" {
			kv.value = &yaml.Node{Kind: yaml.MappingNode, Line: kv.kNode.Line}
		}
		fields, err := p.mapping(kv.value, f)
		if err != nil {
			return nil, err
		}
		for _, vf := range fields {
			s, err := p.scalar(vf.value, join(f, vf.key))
			if err != nil {
				return nil, err
			}
			switch vf.key {
			case "mount_path":
				v.MountPath = s
			case "type":
				v.Type = VolumeType(s)
				if v.Type != VolumeFile && v.Type != VolumeDirectory {
					return nil, p.fail(vf.value, join(f, "type"), "%q is not a volume type; use file or directory", s)
				}
			default:
				return nil, p.fail(vf.kNode, join(f, vf.key), "is not a volume field; allowed: %s", keysOf(volumeFields))
			}
		}
		if v.MountPath == "" {
			return nil, p.fail(kv.kNode, join(f, "mount_path"), "is missing, and %s has no default mount path in task %s", kv.key, task)
		}
		if msg := checkMountPath(v.MountPath); msg != "" {
			return nil, p.fail(kv.value, join(f, "mount_path"), "%s", msg)
		}
		if v.Type == "" {
			v.Type = VolumeDirectory
		}
		out = append(out, v)
	}
	return out, nil
}

// checkMountPath returns why a container mount path is unusable, or "".
func checkMountPath(m string) string {
	switch {
	case !path.IsAbs(m):
		return fmt.Sprintf("%q must be an absolute path", m)
	case path.Clean(m) != m:
		return fmt.Sprintf("%q must be a clean path (no trailing /, no . or .. parts)", m)
	case m == "/":
		return "must not be the container's root"
	case strings.ContainsAny(m, ":,\x00\n\r\t"):
		return fmt.Sprintf("%q must not contain : , or control characters", m)
	case m == "/tmp" || strings.HasPrefix(m, "/proc") || strings.HasPrefix(m, "/sys") || strings.HasPrefix(m, "/dev"):
		return fmt.Sprintf("%q is reserved by the runtime (/tmp, /proc, /sys, /dev)", m)
	}
	return ""
}

// checkMountPaths rejects two volumes of a task mounted at the same path.
func checkMountPaths(p *parser, t *Task, field string) error {
	seen := map[string]string{}
	for _, v := range append(append([]Volume{}, t.Inputs...), t.Outputs...) {
		if other, dup := seen[v.MountPath]; dup {
			return p.fail(nil, field, "volumes %s and %s share the mount path %s", other, v.Key, v.MountPath)
		}
		seen[v.MountPath] = v.Key
	}
	keys := map[string]bool{}
	for _, v := range append(append([]Volume{}, t.Inputs...), t.Outputs...) {
		if keys[v.Key] {
			return p.fail(nil, field, "mount key %s is both an input and an output", v.Key)
		}
		keys[v.Key] = true
	}
	return nil
}
