package cube

import (
	"path/filepath"
	"testing"
)

// checkParsed asserts what every accepted config guarantees.
func checkParsed(t *testing.T, c *Config) {
	if len(c.Tasks) == 0 || c.Image == "" {
		t.Fatalf("accepted a config without tasks or image: %+v", c)
	}
	for name, task := range c.Tasks {
		if task == nil || task.Name != name {
			t.Fatalf("task %q malformed", name)
		}
		seen := map[string]bool{}
		for _, v := range append(append([]Volume{}, task.Inputs...), task.Outputs...) {
			if msg := checkMountPath(v.MountPath); msg != "" {
				t.Fatalf("accepted mount path %q: %s", v.MountPath, msg)
			}
			if v.Type != VolumeFile && v.Type != VolumeDirectory {
				t.Fatalf("accepted volume type %q", v.Type)
			}
			if seen[v.MountPath] {
				t.Fatalf("accepted a shared mount path %q", v.MountPath)
			}
			seen[v.MountPath] = true
		}
		// Resolving a plan must never panic, whatever was accepted.
		NewSpec(Request{Config: c, Task: name, Mounts: map[string]string{}})
	}
}

func FuzzParseContainerConfig(f *testing.F) {
	f.Add([]byte(evaluatorConfig))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("container_config.yaml", data)
		if err != nil {
			configErrorOf(t, err)
			return
		}
		checkParsed(t, c)
	})
}

func FuzzParseMLCube(f *testing.F) {
	f.Add([]byte(legacyConfig))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(filepath.Join(dir, "mlcube.yaml"), data)
		if err != nil {
			configErrorOf(t, err)
			return
		}
		checkParsed(t, c)
	})
}
