package images

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
)

// BaseImage is the image holding only the medperf binary, the base of every
// cube image.
const BaseImage = "medperf-demo/medperf:latest"

// Built is one image Build made.
type Built struct {
	Cube  string `json:"cube"`
	Image string `json:"image"`
	ID    string `json:"id"` // the engine's image id, sha256:...
}

// Build builds BaseImage from the static medperf binary at binary, then one
// image per cube (cubes.Image) with its entrypoint, and returns them in
// cubes.Cubes order. A failure says which image and why, with CodeUnavailable
// when the engine does not answer.
func Build(ctx context.Context, c *client.Client, binary string) ([]Built, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	base := "FROM scratch\nCOPY medperf " + cubes.BinaryPath + "\nENTRYPOINT [\"" + cubes.BinaryPath + "\"]\n"
	if _, err := buildImage(ctx, c, BaseImage, map[string][]byte{"Dockerfile": []byte(base), "medperf": bin}); err != nil {
		return nil, err
	}
	var out []Built
	for _, cube := range cubes.Cubes {
		df := "FROM " + BaseImage + "\nLABEL org.medperf.demo.cube=" + cube + "\nENTRYPOINT " + jsonList(cubes.Entrypoint(cube)) + "\n"
		id, err := buildImage(ctx, c, cubes.Image(cube), map[string][]byte{"Dockerfile": []byte(df)})
		if err != nil {
			return nil, err
		}
		out = append(out, Built{Cube: cube, Image: cubes.Image(cube), ID: id})
	}
	return out, nil
}

func jsonList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// buildImage builds one image from a context of files and returns its id.
func buildImage(ctx context.Context, c *client.Client, tag string, files map[string][]byte) (string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		hdr := &tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return "", &medperf.Error{Code: medperf.CodeInternal, Err: err}
		}
		if _, err := tw.Write(data); err != nil {
			return "", &medperf.Error{Code: medperf.CodeInternal, Err: err}
		}
	}
	if err := tw.Close(); err != nil {
		return "", &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	resp, err := c.ImageBuild(ctx, &buf, build.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return "", engineError(ctx, "building "+tag, err)
	}
	defer resp.Body.Close()
	if msg := buildFailure(resp.Body); msg != "" {
		return "", medperf.Errorf(medperf.CodeUnavailable, "the Docker engine failed to build %s: %s", tag, msg)
	}
	inspect, err := c.ImageInspect(ctx, tag)
	if err != nil {
		return "", engineError(ctx, "inspecting "+tag, err)
	}
	return inspect.ID, nil
}

// engineError classifies a failure to talk to the engine.
func engineError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return &medperf.Error{Code: medperf.CodeCanceled, Message: what + " was interrupted", Err: err}
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: what + ": the Docker engine did not answer; is it running?", Err: err}
}

// buildFailure reads a build's JSON message stream to its end and returns
// the error it reports, or "".
func buildFailure(r io.Reader) string {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return ""
		} else if err != nil {
			return "unreadable build output"
		}
		if msg.Error != "" {
			return strings.TrimSpace(msg.Error)
		}
	}
}
