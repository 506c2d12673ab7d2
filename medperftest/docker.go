package medperftest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// dockerHost pings the engine that the DOCKER_HOST environment (or the default
// socket) names and returns its address, or a reason why it is unusable.
func dockerHost(tb testing.TB) (string, string) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return "", "cannot create a Docker client: " + err.Error()
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Ping(ctx); err != nil {
		return "", "no Docker engine answers at " + c.DaemonHost() + ": " + err.Error()
	}
	return c.DaemonHost(), ""
}

// DockerClient returns a client of the Docker engine, closed when the test
// ends, or skips the test as Require does.
func DockerClient(tb testing.TB) *client.Client {
	tb.Helper()
	host := Require(tb, Docker)
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithHost(host), client.WithAPIVersionNegotiation())
	if err != nil {
		tb.Fatalf("docker client: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// BuildGoImage compiles the Go package pkg (an import path or a ./relative
// directory, resolved from the test's working directory) into a static binary
// and builds a FROM scratch image tagged tag whose entrypoint is that binary.
// The image is removed when the test ends. It returns the image id.
func BuildGoImage(tb testing.TB, c *client.Client, tag, pkg string) string {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "app")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		tb.Fatal(err)
	}
	return BuildImage(tb, c, tag, map[string][]byte{
		"Dockerfile": []byte("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"),
		"app":        binary,
	})
}

// BuildImage builds an image tagged tag from a build context given as file
// name → contents (it must hold a Dockerfile). Files are written executable.
// The image gets a label unique to this build, so its id is its own, and it
// is removed when the test ends. It returns the image id.
func BuildImage(tb testing.TB, c *client.Client, tag string, files map[string][]byte) string {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		hdr := &tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A label unique to this build gives the image an id of its own, so that
	// removing it at cleanup cannot remove an identical image another test
	// (or another package running in parallel) built and still uses.
	nonce := make([]byte, 8)
	rand.Read(nonce)
	resp, err := c.ImageBuild(ctx, &buf, build.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true,
		Labels: map[string]string{"medperftest.build": hex.EncodeToString(nonce)},
	})
	if err != nil {
		tb.Fatalf("docker build %s: %v", tag, err)
	}
	defer resp.Body.Close()
	if err := buildError(resp.Body); err != nil {
		tb.Fatalf("docker build %s: %v", tag, err)
	}
	inspect, err := c.ImageInspect(ctx, tag)
	if err != nil {
		tb.Fatalf("inspect %s after build: %v", tag, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c.ImageRemove(ctx, inspect.ID, image.RemoveOptions{Force: true, PruneChildren: true})
	})
	return inspect.ID
}

// buildError reads the JSON message stream of an image build and returns the
// error it reports, if any.
func buildError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading build output: %w", err)
		}
		if msg.Error != "" {
			return fmt.Errorf("%s", msg.Error)
		}
	}
}
