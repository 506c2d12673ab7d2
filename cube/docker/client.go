package docker

import (
	"context"
	"fmt"
	"io"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"

	"github.com/medperf/medperf"
)

// This file is the small API through which the rest of medperf talks to a
// Docker engine outside of running tasks (checking it answers, reading and
// building images), so that no other package creates a Docker client.

// Dial connects to the engine that DOCKER_HOST names (Docker's default
// socket when it is unset) and checks that it answers. The error is
// CodeInvalid for an unusable address and CodeUnavailable when no engine
// answers. The caller closes the Runtime; its CacheDir is empty, set it
// before running tasks that download image archives.
func Dial(ctx context.Context) (*Runtime, error) {
	r, err := New("", "")
	if err != nil {
		return nil, err
	}
	if err := r.Ping(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Ping checks that the engine answers, waiting at most 10 seconds; the error
// is CodeUnavailable and names the engine's address.
func (r *Runtime) Ping(ctx context.Context) error { return r.ping(ctx) }

// ImageID returns the engine's id (sha256:...) of the local image ref (a tag
// or an id). The error is CodeNotFound when the engine has no such image,
// CodeCanceled when ctx ended, and CodeUnavailable when the engine cannot
// say.
func (r *Runtime) ImageID(ctx context.Context, ref string) (string, error) {
	info, err := r.client.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return "", medperf.Errorf(medperf.CodeNotFound, "image %s is not in the local container engine: build, pull or load it first", ref)
	}
	if err != nil {
		return "", engineError(ctx, "inspect image "+ref, err)
	}
	return info.ID, nil
}

// BuildImage builds an image from buildContext (a tar stream holding a
// Dockerfile), tags it tag and returns its id. Intermediate containers are
// removed. A failed build, or an engine that does not answer, is
// CodeUnavailable with the engine's explanation; a canceled ctx is
// CodeCanceled.
func (r *Runtime) BuildImage(ctx context.Context, tag string, buildContext io.Reader) (string, error) {
	resp, err := r.client.ImageBuild(ctx, buildContext, build.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return "", engineError(ctx, "build image "+tag, err)
	}
	defer resp.Body.Close()
	if err := streamError(resp.Body); err != nil {
		if ctx.Err() != nil {
			return "", engineError(ctx, "build image "+tag, err)
		}
		return "", &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("the container engine failed to build %s: %s", tag, medperf.ErrorMessage(err)), Err: err}
	}
	return r.ImageID(ctx, tag)
}

// TagImage gives the local image id (or reference) the additional
// reference ref. The error is CodeUnavailable (or CodeCanceled) when the
// engine refuses or does not answer.
func (r *Runtime) TagImage(ctx context.Context, id, ref string) error {
	if err := r.client.ImageTag(ctx, id, ref); err != nil {
		return engineError(ctx, "tag image "+id+" as "+ref, err)
	}
	return nil
}
