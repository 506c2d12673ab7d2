package cube

import (
	"path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LegacyMountRoot is where legacy MLCube parameters are mounted in the
// container: <root>/<inputs|outputs>/<key> for directories, and
// <root>/<inputs|outputs>/<key>/<file name> for files.
const LegacyMountRoot = "/mlcube_io"

// legacy parses an mlcube.yaml: docker.image, singularity.image, and
// tasks.<name>.parameters.inputs|outputs.<key>: {type, default} (or the
// short form key: default). Other top-level fields (name, authors, platform...)
// and the docker/singularity build settings are ignored: their run options
// would weaken isolation, and runs use only the image.
func (p *parser) legacy(top []pair) (*Config, error) {
	c := &Config{Path: p.file, Legacy: true, Type: DockerImage, Tasks: map[string]*Task{}}
	var tasks *yaml.Node
	for _, kv := range top {
		switch kv.key {
		case "docker", "singularity":
			img, err := p.legacyImage(kv)
			if err != nil {
				return nil, err
			}
			if kv.key == "docker" {
				c.Image = img
			} else {
				c.SingularityImage = img
			}
		case "tasks":
			tasks = kv.value
		}
	}
	if c.Image == "" && c.SingularityImage == "" {
		return nil, p.fail(nil, "docker.image", "is missing; an mlcube.yaml needs docker.image or singularity.image")
	}
	if c.Image == "" {
		c.Type, c.Image = SingularityFile, c.SingularityImage
	}
	if tasks == nil {
		return nil, p.fail(nil, "tasks", "is missing; a container needs at least one task")
	}
	entries, err := p.mapping(tasks, "tasks")
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, p.fail(tasks, "tasks", "is empty; a container needs at least one task")
	}
	workspace := filepath.Join(filepath.Dir(p.file), "workspace")
	for _, kv := range entries {
		if err := checkName(p, kv.kNode, "tasks", kv.key); err != nil {
			return nil, err
		}
		t, err := p.legacyTask(kv.key, kv.value, workspace)
		if err != nil {
			return nil, err
		}
		c.Tasks[kv.key] = t
	}
	return c, nil
}

func (p *parser) legacyImage(kv pair) (string, error) {
	entries, err := p.mapping(kv.value, kv.key)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.key == "image" {
			s, err := p.scalar(e.value, kv.key+".image")
			if err != nil {
				return "", err
			}
			if strings.TrimSpace(s) == "" {
				return "", p.fail(e.value, kv.key+".image", "is empty")
			}
			return strings.TrimSpace(s), nil
		}
	}
	return "", nil
}

var legacyTaskFields = map[string]bool{"parameters": true, "entrypoint": true}

func (p *parser) legacyTask(name string, n *yaml.Node, workspace string) (*Task, error) {
	field := "tasks." + name
	t := &Task{Name: name, ParamArgs: true}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		t.Command = []string{name}
		return t, nil
	}
	entries, err := p.mapping(n, field)
	if err != nil {
		return nil, err
	}
	for _, kv := range entries {
		f := join(field, kv.key)
		switch kv.key {
		case "entrypoint":
			if t.Entrypoint, err = p.words(kv.value, f); err != nil {
				return nil, err
			}
		case "parameters":
			if err := p.legacyParameters(t, kv.value, f, workspace); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail(kv.kNode, f, "is not an mlcube task field; allowed: %s", keysOf(legacyTaskFields))
		}
	}
	if len(t.Entrypoint) == 0 {
		t.Command = []string{name}
	}
	return t, checkMountPaths(p, t, field)
}

func (p *parser) legacyParameters(t *Task, n *yaml.Node, field, workspace string) error {
	entries, err := p.mapping(n, field)
	if err != nil {
		return err
	}
	for _, kv := range entries {
		f := join(field, kv.key)
		var vols []Volume
		switch kv.key {
		case "inputs", "outputs":
			if vols, err = p.legacyVolumes(kv.value, f, kv.key, workspace); err != nil {
				return err
			}
		default:
			return p.fail(kv.kNode, f, "is not an mlcube parameters field; allowed: inputs, outputs")
		}
		if kv.key == "inputs" {
			t.Inputs = vols
		} else {
			t.Outputs = vols
		}
	}
	return nil
}

var legacyParamFields = map[string]bool{"type": true, "default": true, "opts": true}

func (p *parser) legacyVolumes(n *yaml.Node, field, dir, workspace string) ([]Volume, error) {
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
		var def, typ string
		if kv.value.Kind == yaml.ScalarNode {
			if def, err = p.scalar(kv.value, f); err != nil {
				return nil, err
			}
		} else {
			fields, err := p.mapping(kv.value, f)
			if err != nil {
				return nil, p.fail(kv.value, f, "must be a path or a mapping with type and default")
			}
			for _, pf := range fields {
				if !legacyParamFields[pf.key] {
					return nil, p.fail(pf.kNode, join(f, pf.key), "is not an mlcube parameter field; allowed: %s", keysOf(legacyParamFields))
				}
				if pf.key == "opts" {
					continue
				}
				s, err := p.scalar(pf.value, join(f, pf.key))
				if err != nil {
					return nil, err
				}
				if pf.key == "type" {
					typ = s
				} else {
					def = s
				}
			}
		}
		v, err := p.legacyVolume(kv, f, dir, def, typ, workspace)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *parser) legacyVolume(kv pair, f, dir, def, typ, workspace string) (Volume, error) {
	if strings.TrimSpace(def) == "" {
		return Volume{}, p.fail(kv.value, join(f, "default"), "is missing; an mlcube parameter needs a default path under workspace/")
	}
	v := Volume{Key: kv.key, Type: VolumeType(typ)}
	switch {
	case typ == "" && strings.HasSuffix(def, "/"):
		v.Type = VolumeDirectory
	case typ == "" || typ == "unknown":
		v.Type = VolumeFile
	case v.Type != VolumeFile && v.Type != VolumeDirectory:
		return Volume{}, p.fail(kv.value, join(f, "type"), "%q is not a parameter type; use file or directory", typ)
	}
	if strings.ContainsAny(def, "\x00") {
		return Volume{}, p.fail(kv.value, join(f, "default"), "must not contain NUL")
	}
	host := filepath.FromSlash(def)
	if !filepath.IsAbs(host) {
		host = filepath.Join(workspace, host)
	}
	v.Default = filepath.Clean(host)
	v.MountPath = path.Join(LegacyMountRoot, dir, kv.key)
	if v.Type == VolumeFile {
		base := path.Base(strings.TrimSuffix(filepath.ToSlash(def), "/"))
		if base == "." || base == ".." || base == "/" {
			base = kv.key
		}
		v.MountPath = path.Join(v.MountPath, base)
	}
	if msg := checkMountPath(v.MountPath); msg != "" {
		return Volume{}, p.fail(kv.value, join(f, "default"), "gives the mount path %s", msg)
	}
	return v, nil
}
