package site

import (
	"context"
	"errors"
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
	absent := func(context.Context, string) (string, error) {
		return "", medperf.Errorf(medperf.CodeNotFound, "no such image")
	}
	down := func(context.Context, string) (string, error) {
		return "", medperf.Errorf(medperf.CodeUnavailable, "no engine answers")
	}
	plain := func(context.Context, string) (string, error) { return "", errors.New("connection refused") }
	garbled := func(context.Context, string) (string, error) { return "not-a-digest", nil }
	ctx := context.Background()
	given := strings.Repeat("ef", 32)
	cases := []struct {
		name    string
		imageID func(context.Context, string) (string, error)
		given   string
		code    medperf.Code
		want    string // the registered image hash
	}{
		{"the engine's id is registered", engine, "", "", id},
		{"a given hash that matches is accepted", engine, strings.Repeat("ab", 32), "", id},
		{"a given hash that differs is a mismatch", engine, strings.Repeat("cd", 32), medperf.CodeInvalid, ""},
		{"without an engine or a hash nothing is registered", nil, "", medperf.CodeUnavailable, ""},
		{"without an engine a given hash is registered", nil, given, "", "sha256:" + given},
		{"an image the engine lacks is registered with a given hash", absent, given, "", "sha256:" + given},
		{"an image the engine lacks without a hash is refused", absent, "", medperf.CodeUnavailable, ""},
		{"an engine that cannot answer fails the submission even with a hash", down, given, medperf.CodeUnavailable, ""},
		{"an unclassified engine failure is unavailable, not internal", plain, given, medperf.CodeUnavailable, ""},
		{"an engine id that is not a sha256 is refused", garbled, given, medperf.CodeUnavailable, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := &Site{Home: t.TempDir(), Registry: w.ModelOwner, ImageID: c.imageID}
			params := filepath.Join(t.TempDir(), "parameters.yaml") // registrations differ by their parameters
			os.WriteFile(params, []byte(fmt.Sprintf("threshold: 1.%d\nmin_component_voxels: 6\n", i+1)), 0o644)
			got, err := s.SubmitContainer(ctx, ContainerSubmission{Name: "cc-" + string(rune('a'+i)), ConfigFile: cfg, ParametersFile: params, ImageHash: c.given, Model: true})
			if medperf.ErrorCode(err) != c.code {
				t.Fatalf("code %q, want %q: %v", medperf.ErrorCode(err), c.code, err)
			}
			if err == nil && (!got.IsModel || !strings.Contains(string(got.Parameters), "min_component_voxels") || got.ImageHash != c.want) {
				t.Fatalf("%+v", got)
			}
		})
	}
}
