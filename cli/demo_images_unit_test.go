package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/demo/cubes"
)

// TestImageMismatchSaysHowToRecover guards friction 1 of issue 13: the
// refusal of an image whose tag was moved says how to get out.
func TestImageMismatchSaysHowToRecover(t *testing.T) {
	mismatch := &cube.HashMismatchError{What: "image medperf-demo/preparator:latest", Want: strings.Repeat("a", 64), Got: strings.Repeat("b", 64)}
	for name, err := range map[string]error{"as is": mismatch, "wrapped": fmt.Errorf("prepare: %w", mismatch)} {
		t.Run(name+" gets the recovery hint", func(t *testing.T) {
			if h := hint(err); !strings.Contains(h, "medperf demo images") || !strings.Contains(h, "register the container again") {
				t.Fatalf("hint %q", h)
			}
		})
	}
	t.Run("a file's mismatch does not", func(t *testing.T) {
		if h := hint(&cube.HashMismatchError{What: "additional files", Want: "a", Got: "b"}); strings.Contains(h, "demo images") {
			t.Fatalf("hint %q", h)
		}
	})
}

// TestWriteDemoConfigsNamesThePerBinaryTag guards friction 1: the configs
// `demo images --configs` writes register the per-binary tag.
func TestWriteDemoConfigsNamesThePerBinaryTag(t *testing.T) {
	dir := t.TempDir()
	tag := demoTag(strings.Repeat("0123456789ab", 5) + "cdef")
	var built []builtImage
	for _, c := range cubes.Cubes {
		built = append(built, builtImage{Cube: c, Image: "medperf-demo/" + c + ":" + tag})
	}
	if err := writeDemoConfigs(dir, built); err != nil {
		t.Fatal(err)
	}
	for _, b := range built {
		raw, err := os.ReadFile(filepath.Join(dir, b.Cube, "container_config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Image string `yaml:"image"`
		}
		if err := yaml.Unmarshal(raw, &cfg); err != nil || cfg.Image != b.Image || tag != "bin-0123456789ab" {
			t.Fatalf("%s: image %q (%v), want %q", b.Cube, cfg.Image, err, b.Image)
		}
	}
}
