package medperf

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestFinding2RegistryRefusesLocalImageLocations: the server accepted a
// DockerArchive with image /dev/zero, which every site then copied. An
// image that sites download must be registered as an http(s) URL.
func TestFinding2RegistryRefusesLocalImageLocations(t *testing.T) {
	tasks := `"tasks": {"infer": {}}`
	for _, c := range []struct {
		name, config string
		field        string
	}{
		{"an archive at /dev/zero is refused", `{"container_type": "DockerArchive", "image": "/dev/zero", ` + tasks + `}`, "config.image"},
		{"a SIF file at /etc/shadow is refused", `{"container_type": "SingularityFile", "image": "/etc/shadow", ` + tasks + `}`, "config.image"},
		{"a relative archive is refused", `{"container_type": "DockerArchive", "image": "image.tar", ` + tasks + `}`, "config.image"},
		{"a file URL is refused", `{"container_type": "EncryptedSingularityFile", "image": "file:///etc/shadow", ` + tasks + `}`, "config.image"},
		{"an archive at an https URL is accepted", `{"container_type": "DockerArchive", "image": "https://example.org/m.tar", ` + tasks + `}`, ""},
		{"a registry reference is accepted", `{"container_type": "DockerImage", "image": "example.org/m:1", ` + tasks + `}`, ""},
		{"a legacy mlcube.yaml is left to the sites", `{"docker": {"image": "example.org/m:1"}, "singularity": {"image": "m.sif"}, ` + tasks + `}`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ContainerInput{Name: "m", Config: json.RawMessage(c.config), ImageHash: "sha256:" + strings.Repeat("a", 64)}.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			me, ok := err.(*Error)
			if !ok || me.Code != CodeInvalid || me.Field != c.field {
				t.Fatalf("got %#v, want CodeInvalid on %s", err, c.field)
			}
		})
	}
}
