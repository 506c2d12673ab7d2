package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

// TestContainerSubmitReadsImageIDsFromTheEngine registers DockerImage models
// whose ids come from a real engine, and checks that an engine that cannot
// answer fails the submission instead of passing for one without the image.
func TestContainerSubmitReadsImageIDsFromTheEngine(t *testing.T) {
	dc := medperftest.DockerClient(t)
	tag := fmt.Sprintf("medperf-test/submit-probe:%d", os.Getpid())
	imageID := medperftest.BuildImage(t, dc, tag, map[string][]byte{"Dockerfile": []byte("FROM scratch\nLABEL probe=submit\n")})
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	t.Setenv("DOCKER_HOST", dc.DaemonHost())
	as(t, ts.URL(), w.ModelOwner)
	given := strings.Repeat("ef", 32)
	cases := []struct {
		name, image, dockerHost string
		args                    []string
		code                    medperf.Code
		want                    string
	}{
		{"the engine's id of a local image is registered", tag, "", nil, "", imageID},
		{"an image the engine lacks is registered with a given hash", "medperf-test/absent:none", "", []string{"--image-hash", given}, "", "sha256:" + given},
		{"an image the engine lacks without a hash is refused", "medperf-test/absent:none", "", nil, medperf.CodeUnavailable, ""},
		{"an engine that does not answer fails even with a hash", tag, "unix:///nonexistent/docker.sock", []string{"--image-hash", given}, medperf.CodeUnavailable, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.dockerHost != "" {
				t.Setenv("DOCKER_HOST", c.dockerHost)
			}
			dir := t.TempDir()
			cfg := filepath.Join(dir, "container_config.yaml")
			os.WriteFile(cfg, cubes.ContainerConfig(cubes.ModelCC, c.image), 0o644)
			params := filepath.Join(dir, "parameters.yaml") // registrations differ by their parameters
			os.WriteFile(params, []byte("threshold: 0."+strings.Repeat("1", i+1)+"\n"), 0o644)
			args := append([]string{"model", "submit", "-n", "probe-" + string(rune('a'+i)), "-m", cfg, "-p", params, "-o", "json"}, c.args...)
			code, out, errOut := runCLI(t, args...)
			if code != exitCodes[c.code] {
				t.Fatalf("exit %d, want %d: %s%s", code, exitCodes[c.code], out, errOut)
			}
			if c.code != "" {
				return
			}
			var got medperf.Container
			if err := json.Unmarshal([]byte(out), &got); err != nil || got.ImageHash != c.want {
				t.Fatalf("registered %q, want %q (%v)", got.ImageHash, c.want, err)
			}
			if reg, _ := w.Admin.GetContainer(context.Background(), got.ID); reg.ImageHash != c.want {
				t.Fatalf("the server holds %q", reg.ImageHash)
			}
		})
	}
}
