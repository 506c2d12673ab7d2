package images

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
)

// BaseImage is the image holding only the medperf binary, the base of every
// cube image.
const BaseImage = "medperf-demo/medperf:latest"

// Builder builds an image from a tar build context, tags it and returns its
// id; *docker.Runtime is one (package cube/docker is the only one that
// talks to the Docker engine).
type Builder interface {
	BuildImage(ctx context.Context, tag string, buildContext io.Reader) (string, error)
}

// Built is one image Build made.
type Built struct {
	Cube  string `json:"cube"`
	Image string `json:"image"`
	ID    string `json:"id"` // the engine's image id, sha256:...
}

// Build builds BaseImage from the static medperf binary at binary, then one
// image per cube (cubes.Image) with its entrypoint, and returns them in
// cubes.Cubes order. A failure says which image and why, with the Builder's
// error code (CodeUnavailable when the engine does not answer).
func Build(ctx context.Context, c Builder, binary string) ([]Built, error) {
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
func buildImage(ctx context.Context, c Builder, tag string, files map[string][]byte) (string, error) {
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
	return c.BuildImage(ctx, tag, &buf)
}
