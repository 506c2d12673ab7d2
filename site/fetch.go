package site

import (
	"context"
	"errors"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site/policy"
)

// fetchContext returns the context fetches run under: fromRegistry when
// the location came from the registry (a model owner wrote it, so it must
// be an http(s) URL, never a file of this machine), and the site's choice
// about non-public addresses.
func (s *Site) fetchContext(ctx context.Context, fromRegistry bool) context.Context {
	if fromRegistry {
		ctx = cube.WithRemoteOnly(ctx)
	}
	if s.allowPrivateURLs() {
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

// allowPrivateURLs reports whether downloads may reach non-public
// addresses: only when the site allows it (AllowPrivateURLs: the flag, the
// environment or the profile) and its policy does not forbid it. The
// policy is the site's own rule, so no flag overrides a private_urls:
// false; the dial check then also catches a name that resolves to a
// private address only after the policy was checked.
func (s *Site) allowPrivateURLs() bool {
	return s.AllowPrivateURLs && (s.Policy == nil || s.Policy.PrivateURLs)
}

// PrivateURLs returns the http(s) URLs among urls whose host is or
// resolves to a loopback, private, link-local or other non-public
// address, each with the address and its kind, as the site policy's
// private_urls rule reports them. Empty strings and other locations are
// skipped (an image reference is pulled by the engine from its registry);
// so is a name that does not resolve: its download fails.
func PrivateURLs(ctx context.Context, urls ...string) []string {
	var out []string
	for _, u := range urls {
		if !cube.IsURL(u) {
			continue
		}
		var refused *cube.AddressRefusedError
		if err := cube.CheckPublicURL(ctx, u); errors.As(err, &refused) {
			out = append(out, u+" ("+refused.Error()+")")
		}
	}
	return out
}

// checkURLPolicy refuses, before anything is downloaded, URLs that the
// site policy's private_urls: false forbids, naming the rule and its line.
// Names are resolved only under that rule: no other rule can refuse a URL.
func (s *Site) checkURLPolicy(ctx context.Context, urls ...string) error {
	if s.Policy == nil || s.Policy.PrivateURLs {
		return nil
	}
	return s.checkPolicy(policy.Action{PrivateURLs: PrivateURLs(ctx, urls...)})
}
