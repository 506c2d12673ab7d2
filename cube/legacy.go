package cube

import (
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LegacyMountRoot is where legacy MLCube parameters are mounted in the
// container: <root>/<inputs|outputs>/<key> for directories, and
// <root>/<inputs|outputs>/<key>/<file name> for files.
const LegacyMountRoot = "/mlcube_io"

// legacyFile is an mlcube.yaml: docker.image, singularity.image, and
// tasks.<name>.parameters.inputs|outputs.<key>: {type, default} (or the
// short form key: default). Other top-level fields (name, authors,
// platform...) and the docker/singularity build settings are ignored: their
// run options would weaken isolation, and runs use only the image.
type legacyFile struct {
	Docker      *legacyImage          `yaml:"docker"`
	Singularity *legacyImage          `yaml:"singularity"`
	Tasks       namedMap[*legacyTask] `yaml:"tasks"`
}

func (*legacyFile) unknownField() string { return "" }

// legacyImage is the docker or singularity section; only image is used.
type legacyImage struct {
	Image string `yaml:"image"`
}

func (*legacyImage) unknownField() string { return "" }

type legacyTask struct {
	Entrypoint words             `yaml:"entrypoint"`
	Parameters *legacyParameters `yaml:"parameters"`
}

func (*legacyTask) unknownField() string { return "is not an mlcube task field" }

type legacyParameters struct {
	Inputs  namedMap[legacyParam] `yaml:"inputs"`
	Outputs namedMap[legacyParam] `yaml:"outputs"`
}

func (*legacyParameters) unknownField() string { return "is not an mlcube parameters field" }

func parseLegacy(file string, root *yaml.Node) (*Config, error) {
	var f legacyFile
	nodes, err := decodeFields(root, &f)
	if err != nil {
		return nil, err
	}
	c := &Config{Path: file, Legacy: true, Type: DockerImage, Tasks: map[string]*Task{}}
	if c.Image, err = legacyImageOf(f.Docker, nodes["docker"], "docker"); err != nil {
		return nil, err
	}
	if c.SingularityImage, err = legacyImageOf(f.Singularity, nodes["singularity"], "singularity"); err != nil {
		return nil, err
	}
	if c.Image == "" && c.SingularityImage == "" {
		return nil, failAt(nil, "docker.image", "is missing; an mlcube.yaml needs docker.image or singularity.image")
	}
	if c.Image == "" {
		c.Type, c.Image = SingularityFile, c.SingularityImage
	}
	if err := checkTasks(f.Tasks, nodes["tasks"]); err != nil {
		return nil, err
	}
	workspace := filepath.Join(filepath.Dir(file), "workspace")
	for _, nt := range f.Tasks {
		t, err := legacyTaskOf(nt.Key, nt.Value, workspace)
		if err != nil {
			return nil, under("tasks."+nt.Key, nt.Node, err)
		}
		c.Tasks[nt.Key] = t
	}
	return c, nil
}

// legacyImageOf returns the image of a docker or singularity section; an
// image given empty is refused.
func legacyImageOf(s *legacyImage, n *yaml.Node, section string) (string, error) {
	if s == nil {
		return "", nil
	}
	img := strings.TrimSpace(s.Image)
	if img == "" && fieldNode(n, "image") != n {
		return "", failAt(fieldNode(n, "image"), section+".image", "is empty")
	}
	return img, nil
}

func legacyTaskOf(name string, f *legacyTask, workspace string) (*Task, error) {
	t := &Task{Name: name, ParamArgs: true}
	if f != nil {
		t.Entrypoint = f.Entrypoint
		if p := f.Parameters; p != nil {
			var err error
			if t.Inputs, err = buildVolumes(p.Inputs, legacyVolume("inputs", workspace)); err != nil {
				return nil, under("parameters.inputs", nil, err)
			}
			if t.Outputs, err = buildVolumes(p.Outputs, legacyVolume("outputs", workspace)); err != nil {
				return nil, under("parameters.outputs", nil, err)
			}
		}
	}
	if len(t.Entrypoint) == 0 {
		t.Command = []string{name}
	}
	return t, checkMountPaths(t)
}
