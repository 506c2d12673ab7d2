package cli

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/demo/images"
)

func newDemoImagesCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "images",
		Short: "Build the reference benchmark's cube images into the local Docker engine from this binary",
		Long: "Builds FROM scratch images holding only this medperf binary (one base image and one per cube), tagged\n" +
			"medperf-demo/<cube>:latest, through the Docker Engine API (DOCKER_HOST or the default socket), and prints their ids.\n" +
			"The binary must be static (CGO_ENABLED=0); when it is not and the medperf source is in the working directory,\n" +
			"a static one is built with 'go build' first.",
		Args: cobra.NoArgs,
	}
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
		return render(e.stdout, *format, built, func() table {
			t := table{header: []string{"CUBE", "IMAGE", "ID"}}
			for _, b := range built {
				t.rows = append(t.rows, []string{b.Cube, b.Image, b.ID})
			}
			return t
		})
	}
	return c
}
