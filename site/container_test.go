package site

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

func TestSubmitContainerHashesDockerImages(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "container_config.yaml")
	os.WriteFile(cfg, cubes.ContainerConfig(cubes.ModelCC, "example.org/cc:1"), 0o644)
	id := "sha256:" + strings.Repeat("ab", 32)
	engine := func(context.Context, string) (string, error) { return id, nil }
	ctx := context.Background()
	cases := []struct {
		name    string
		imageID func(context.Context, string) (string, error)
		given   string
		code    medperf.Code
	}{
		{"the engine's id is registered", engine, "", ""},
		{"a given hash that matches is accepted", engine, strings.Repeat("ab", 32), ""},
		{"a given hash that differs is a mismatch", engine, strings.Repeat("cd", 32), medperf.CodeInvalid},
		{"without an engine or a hash nothing is registered", nil, "", medperf.CodeUnavailable},
		{"without an engine a given hash is registered", nil, strings.Repeat("ef", 32), ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Site{Home: t.TempDir(), Registry: w.ModelOwner, ImageID: c.imageID}
			params := filepath.Join(t.TempDir(), "parameters.yaml") // registrations differ by their parameters
			os.WriteFile(params, []byte(fmt.Sprintf("threshold: 1.%d\nmin_component_voxels: 6\n", i+1)), 0o644)
			got, err := s.SubmitContainer(ctx, ContainerSubmission{Name: "cc-" + string(rune('a'+i)), ConfigFile: cfg, ParametersFile: params, ImageHash: c.given, Model: true})
			if medperf.ErrorCode(err) != c.code {
				t.Fatalf("%v", err)
			}
			if err == nil && (!got.IsModel || !strings.Contains(string(got.Parameters), "min_component_voxels") ||
				(c.imageID != nil && got.ImageHash != id) || (c.imageID == nil && got.ImageHash != "sha256:"+c.given)) {
				t.Fatalf("%+v", got)
			}
		})
	}
}
