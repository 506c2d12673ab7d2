package docker

import (
	"archive/tar"
	"context"
	"encoding/json"
	"io"
	"os"
	"path"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// resolveImage makes the spec's image available and checks its identity
// before anything runs; it returns the image id to run, so that a tag moved
// after the check cannot swap the image.
func (r *Runtime) resolveImage(ctx context.Context, spec *cube.Spec) (string, error) {
	t := spec.Config.Type
	if err := spec.Runnable(); err != nil {
		return "", err
	}
	switch {
	case t == cube.DockerArchive:
		return r.loadArchive(ctx, spec)
	case t == cube.DockerImage:
		return r.registryImage(ctx, spec)
	case t == cube.EncryptedDockerArchive:
		return r.loadEncryptedArchive(ctx, spec)
	default:
		return "", medperf.Errorf(medperf.CodeInvalid, "container type %s cannot run on Docker or Podman; use --runtime apptainer", t)
	}
}

func (r *Runtime) registryImage(ctx context.Context, spec *cube.Spec) (string, error) {
	info, err := r.client.ImageInspect(ctx, spec.Image)
	if cerrdefs.IsNotFound(err) {
		if err := r.pull(ctx, spec.Image); err != nil {
			return "", err
		}
		info, err = r.client.ImageInspect(ctx, spec.Image)
	}
	if err != nil {
		return "", engineError(ctx, "inspect image "+spec.Image, err)
	}
	if spec.ImageHash == "" {
		return info.ID, nil
	}
	want, err := cube.NormalizeHash(spec.ImageHash)
	if err != nil {
		return "", err
	}
	if !ImageMatches(info, want) {
		return "", &cube.HashMismatchError{What: "image " + spec.Image, Want: want, Got: strings.TrimPrefix(info.ID, "sha256:")}
	}
	return info.ID, nil
}

// ImageMatches reports whether the image has identity want (64 hex digits):
// its local image id, or the digest of one of its registry references.
func ImageMatches(info image.InspectResponse, want string) bool {
	if strings.TrimPrefix(info.ID, "sha256:") == want {
		return true
	}
	for _, d := range info.RepoDigests {
		if _, digest, ok := strings.Cut(d, "@"); ok && strings.TrimPrefix(digest, "sha256:") == want {
			return true
		}
	}
	return false
}

func (r *Runtime) pull(ctx context.Context, ref string) error {
	rc, err := r.client.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "image " + ref + " is not on this machine and cannot be pulled: " + err.Error(), Err: err}
	}
	defer rc.Close()
	if err := streamError(rc); err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "pulling image " + ref + " failed: " + err.Error(), Err: err}
	}
	return nil
}

// loadArchive fetches the archive, verifies its sha256, loads it and returns
// the id of the image it holds.
func (r *Runtime) loadArchive(ctx context.Context, spec *cube.Spec) (string, error) {
	file, _, err := cube.FetchFile(ctx, r.HTTPClient, spec.Image, spec.ImageHash, path.Join(r.CacheDir, "images"), "image archive")
	if err != nil {
		return "", err
	}
	id, err := archiveImageID(file)
	if err != nil {
		return "", err
	}
	if _, err := r.client.ImageInspect(ctx, id); err == nil {
		return id, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeNotFound, "cannot open the image archive: %v", err)
	}
	defer f.Close()
	resp, err := r.client.ImageLoad(ctx, f, client.ImageLoadWithQuiet(true))
	if err != nil {
		return "", engineError(ctx, "load the image archive", err)
	}
	defer resp.Body.Close()
	if err := streamError(resp.Body); err != nil {
		return "", medperf.Errorf(medperf.CodeInvalid, "the engine could not load the image archive: %v", err)
	}
	if _, err := r.client.ImageInspect(ctx, id); err != nil {
		return "", medperf.Errorf(medperf.CodeInvalid, "the image archive did not hold the image its manifest names")
	}
	return id, nil
}

// archiveImageID reads manifest.json of a `docker save` archive (Docker or
// OCI layout) and returns the id of its one image.
func archiveImageID(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeNotFound, "cannot open the image archive: %v", err)
	}
	defer f.Close()
	return manifestImageID(f)
}

// manifestImageID reads the tar stream r up to its manifest.json and
// returns the id of the one image it names.
func manifestImageID(r io.Reader) (string, error) {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return "", medperf.Errorf(medperf.CodeInvalid, "the image archive has no readable manifest.json (is it a `docker save` tar?)")
		}
		if path.Clean(hdr.Name) != "manifest.json" {
			continue
		}
		var manifest []struct{ Config string }
		if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&manifest); err != nil || len(manifest) != 1 {
			return "", medperf.Errorf(medperf.CodeInvalid, "the image archive's manifest.json must name exactly one image")
		}
		hex := strings.TrimSuffix(path.Base(manifest[0].Config), ".json")
		if _, err := cube.NormalizeHash(hex); err != nil {
			return "", medperf.Errorf(medperf.CodeInvalid, "the image archive's manifest.json names no image config digest")
		}
		return "sha256:" + hex, nil
	}
}

// streamError reads a JSON message stream of the engine and returns the
// error it reports, if any.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if msg.Error != "" {
			return &medperf.Error{Code: medperf.CodeInvalid, Message: msg.Error}
		}
	}
}
