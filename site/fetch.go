package site

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// fetchContext returns the context fetches run under: fromRegistry when
// the location came from the registry (a model owner wrote it, so it must
// be an http(s) URL, never a file of this machine), and the site's choice
// about non-public addresses.
func (s *Site) fetchContext(ctx context.Context, fromRegistry bool) context.Context {
	if fromRegistry {
		ctx = cube.WithRemoteOnly(ctx)
	}
	if s.AllowPrivateURLs {
		ctx = cube.WithPrivateAddresses(ctx)
	}
	return ctx
}

// checkRegisteredLocations refuses a registered container whose image
// archive, SIF file or additional files are not at an http(s) URL: a site
// reads nothing from its own disk because a model owner said so. Registry
// references (DockerImage) are pulled by the engine, never read as files.
// A legacy mlcube.yaml's singularity.image is not checked here (Docker
// ignores it); Apptainer fetches it under WithRemoteOnly, which refuses it
// unless it is a URL.
func checkRegisteredLocations(c *medperf.Container, cfg *cube.Config) error {
	if cfg.Type != cube.DockerImage && !cube.IsURL(cfg.Image) {
		return medperf.Errorf(medperf.CodeInvalid, "container %d (%s) gives its %s image as %q, not an http(s) URL: a site only downloads images; ask its owner to host the image and register its URL", c.ID, c.Name, cfg.Type, cfg.Image)
	}
	if c.AdditionalFilesURL != "" && !cube.IsURL(c.AdditionalFilesURL) {
		return medperf.Errorf(medperf.CodeInvalid, "container %d (%s) gives its additional files as %q, not an http(s) URL: ask its owner to host them and register their URL", c.ID, c.Name, c.AdditionalFilesURL)
	}
	return nil
}
