package cube

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// buildVolumes builds the volumes of a task from their mapping, in file order,
// for either format: the mapping itself (names, order, null values) is
// decoded by namedMap, and build turns one entry into a Volume. Errors name
// the volume's key.
func buildVolumes[T any](m namedMap[T], build func(named[T]) (Volume, error)) ([]Volume, error) {
	var out []Volume
	for _, e := range m {
		v, err := build(e)
		if err != nil {
			return nil, under(e.Key, e.Node, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// mountFields is a volume of a container_config.yaml.
type mountFields struct {
	MountPath string `yaml:"mount_path"`
	Type      string `yaml:"type"`
}

func (*mountFields) unknownField() string { return "is not a volume field" }

// mountVolume returns the builder of task's input (or output) volumes: the
// task's known keys take their default mount path and type (tasks.go), a
// volume without a type is a directory.
func mountVolume(task string, output bool) func(named[*mountFields]) (Volume, error) {
	return func(e named[*mountFields]) (Volume, error) {
		v := Volume{Key: e.Key}
		if d, ok := lookupDefault(task, e.Key, output); ok {
			v.MountPath, v.Type, v.Optional = d.path, d.typ, d.optional
		}
		if f := e.Value; f != nil {
			if f.MountPath != "" {
				v.MountPath = f.MountPath
			}
			if f.Type != "" {
				v.Type = VolumeType(f.Type)
			}
		}
		if v.Type != VolumeFile && v.Type != VolumeDirectory && v.Type != "" {
			return Volume{}, failAt(fieldNode(e.Node, "type"), "type", "%q is not a volume type; use file or directory", v.Type)
		}
		if v.MountPath == "" {
			return Volume{}, failAt(e.KNode, "mount_path", "is missing, and %s has no default mount path in task %s", e.Key, task)
		}
		if msg := checkMountPath(v.MountPath); msg != "" {
			return Volume{}, failAt(e.Node, "mount_path", "%s", msg)
		}
		if v.Type == "" {
			v.Type = VolumeDirectory
		}
		return v, nil
	}
}

// fieldNode returns the value node of key in the mapping n, or n.
func fieldNode(n *yaml.Node, key string) *yaml.Node {
	es, _ := entries(n)
	for _, e := range es {
		if e.key == key {
			return e.value
		}
	}
	return n
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

// checkMountPaths rejects two volumes of a task mounted at the same path,
// and a key that is both an input and an output.
func checkMountPaths(t *Task) error {
	all := append(append([]Volume{}, t.Inputs...), t.Outputs...)
	paths := map[string]string{}
	for _, v := range all {
		if other, dup := paths[v.MountPath]; dup {
			return failAt(nil, "", "volumes %s and %s share the mount path %s", other, v.Key, v.MountPath)
		}
		paths[v.MountPath] = v.Key
	}
	keys := map[string]bool{}
	for _, v := range all {
		if keys[v.Key] {
			return failAt(nil, "", "mount key %s is both an input and an output", v.Key)
		}
		keys[v.Key] = true
	}
	return nil
}

// legacyParam is an mlcube.yaml parameter: a path (the short form) or a
// mapping with type and default.
type legacyParam struct {
	Type    string `yaml:"type"`
	Default string `yaml:"default"`
	Opts    any    `yaml:"opts"`
}

func (*legacyParam) unknownField() string { return "is not an mlcube parameter field" }

// UnmarshalYAML decodes either shape.
func (p *legacyParam) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s, err := scalar(n)
		p.Default = s
		return err
	}
	if n.Kind != yaml.MappingNode {
		return failAt(n, "", "must be a path or a mapping with type and default")
	}
	_, err := decodeFields(n, p)
	return err
}

// legacyVolume returns the builder of an mlcube task's parameters of dir
// (inputs or outputs): mounted under LegacyMountRoot, with a default host
// path under workspace; a file is mounted under its own name, a default
// ending in / is a directory, no type (or unknown) is a file.
func legacyVolume(dir, workspace string) func(named[legacyParam]) (Volume, error) {
	return func(e named[legacyParam]) (Volume, error) {
		def, typ := e.Value.Default, e.Value.Type
		if strings.TrimSpace(def) == "" {
			return Volume{}, failAt(e.Node, "default", "is missing; an mlcube parameter needs a default path under workspace/")
		}
		v := Volume{Key: e.Key, Type: VolumeType(typ)}
		switch {
		case typ == "" && strings.HasSuffix(def, "/"):
			v.Type = VolumeDirectory
		case typ == "" || typ == "unknown":
			v.Type = VolumeFile
		case v.Type != VolumeFile && v.Type != VolumeDirectory:
			return Volume{}, failAt(e.Node, "type", "%q is not a parameter type; use file or directory", typ)
		}
		if strings.ContainsAny(def, "\x00") {
			return Volume{}, failAt(e.Node, "default", "must not contain NUL")
		}
		host := filepath.FromSlash(def)
		if !filepath.IsAbs(host) {
			host = filepath.Join(workspace, host)
		}
		v.Default = filepath.Clean(host)
		v.MountPath = path.Join(LegacyMountRoot, dir, e.Key)
		if v.Type == VolumeFile {
			v.MountPath = path.Join(v.MountPath, legacyFileName(def, e.Key))
		}
		if msg := checkMountPath(v.MountPath); msg != "" {
			return Volume{}, failAt(e.Node, "default", "gives the mount path %s", msg)
		}
		return v, nil
	}
}

// legacyFileName is the name a file parameter is mounted under: its
// default's base name, or key when that has none.
func legacyFileName(def, key string) string {
	base := path.Base(strings.TrimSuffix(filepath.ToSlash(def), "/"))
	if base == "." || base == ".." || base == "/" {
		return key
	}
	return base
}
