package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/images"
)

// builtImage is one image `demo images` made: Image is its per-binary tag,
// the one to register; Latest the moving tag every build takes.
type builtImage struct {
	Cube   string `json:"cube"`
	Image  string `json:"image"`
	ID     string `json:"id"`
	Latest string `json:"latest"`
}

func newDemoImagesCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "images [--configs DIR]",
		Short: "Build the reference benchmark's cube images into the local Docker engine from this binary",
		Long: "Builds FROM scratch images holding only this medperf binary (one base image and one per cube) through the\n" +
			"Docker Engine API (DOCKER_HOST or the default socket), and prints their ids. Each cube image is tagged\n" +
			"medperf-demo/<cube>:bin-<12 hex digits of the binary's sha256>, a tag no other binary's build moves, and\n" +
			"also medperf-demo/<cube>:latest, which every build moves. Register the per-binary tag: --configs DIR writes\n" +
			"DIR/<cube>/container_config.yaml naming it. The binary must be static (CGO_ENABLED=0); when it is not and\n" +
			"the medperf source is in the working directory, a static one is built with 'go build' first.",
		Example: "  medperf demo images --configs $T/cubes\n" +
			"  medperf container submit -n preparator -m $T/cubes/preparator/container_config.yaml -p examples/demo/preparator/parameters.yaml",
		Args: cobra.NoArgs,
	}
	configs := c.Flags().String("configs", "", "write each cube's container_config.yaml, naming its per-binary image tag, under this folder")
	format := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, cancel := context.WithTimeout(c.Context(), 10*time.Minute)
		defer cancel()
		dc, err := docker.Dial(ctx)
		if err != nil {
			return err
		}
		defer dc.Close()
		dir, err := os.MkdirTemp("", "medperf-images-")
		if err != nil {
			return &medperf.Error{Code: medperf.CodeInternal, Err: err}
		}
		defer os.RemoveAll(dir)
		bin, err := images.Binary(ctx, dir)
		if err != nil {
			return err
		}
		built, err := images.Build(ctx, dc, bin)
		if err != nil {
			return err
		}
		out, err := tagPerBinary(ctx, dc, bin, built)
		if err != nil {
			return err
		}
		if *configs != "" {
			if err := writeDemoConfigs(*configs, out); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "wrote %s/<cube>/container_config.yaml, naming the per-binary tags\n", *configs)
		}
		return render(e.stdout, *format, out, func() table {
			t := table{header: []string{"CUBE", "IMAGE", "ID"}}
			for _, b := range out {
				t.rows = append(t.rows, []string{b.Cube, b.Image, b.ID})
			}
			return t
		})
	}
	return c
}

// demoTag is the per-binary tag of the demo images built from the binary
// whose sha256 is sum: the same tag `medperf demo` uses.
func demoTag(sum string) string { return "bin-" + sum[:12] }

// tagPerBinary gives each built image its per-binary tag.
func tagPerBinary(ctx context.Context, dc *docker.Runtime, bin string, built []images.Built) ([]builtImage, error) {
	sum, err := cube.FileSHA256(bin)
	if err != nil {
		return nil, err
	}
	out := make([]builtImage, 0, len(built))
	for _, b := range built {
		ref := "medperf-demo/" + b.Cube + ":" + demoTag(sum)
		if err := dc.TagImage(ctx, b.ID, ref); err != nil {
			return nil, err
		}
		out = append(out, builtImage{Cube: b.Cube, Image: ref, ID: b.ID, Latest: b.Image})
	}
	return out, nil
}

// writeDemoConfigs writes dir/<cube>/container_config.yaml for each image.
func writeDemoConfigs(dir string, built []builtImage) error {
	for _, b := range built {
		d := filepath.Join(dir, b.Cube)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return medperf.FieldError("--configs", "cannot create %s: %v", d, err)
		}
		if err := os.WriteFile(filepath.Join(d, "container_config.yaml"), cubes.ContainerConfig(b.Cube, b.Image), 0o644); err != nil {
			return medperf.FieldError("--configs", "cannot write in %s: %v", d, err)
		}
	}
	return nil
}

// imageMismatchHint says how to recover when a registered image's hash is
// not the hash of the image its tag names here: the tag was moved (by
// another build, or a pull) since the container was registered.
func imageMismatchHint(err error) string {
	var hm *cube.HashMismatchError
	if !errors.As(err, &hm) || !strings.HasPrefix(hm.What, "image ") {
		return ""
	}
	return "the tag now names another image than the one registered (another build or pull moved it). Bring the registered " +
		"image back under that tag (for the demo cubes: run 'medperf demo images' with the medperf binary that built them; " +
		"they are tagged per binary, medperf-demo/<cube>:bin-<hash>), or register the container again with the image you have " +
		"and associate it with the benchmark"
}
