package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

const tinyConfig = `container_type: DockerImage
image: example.org/x:1
tasks:
  infer:
    input_volumes:
      data_path: {mount_path: /in, type: directory}
    output_volumes:
      output_path: {mount_path: /out, type: directory}
`

// TestComponentArgTakesALocalContainer: test run's -p/-m/-e accept a
// config file or a folder laid out as MedPerf's (mlcube/mlcube.yaml with
// workspace/parameters.yaml); bad values are usage errors.
func TestComponentArgTakesALocalContainer(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"mlcube/mlcube.yaml": tinyConfig, "mlcube/workspace/parameters.yaml": "a: 1\n"} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "mlcube", "workspace", "additional_files"), 0o755)
	ctx := context.Background()
	s := &site.Site{Home: t.TempDir()}
	for _, arg := range []string{dir, filepath.Join(dir, "mlcube"), filepath.Join(dir, "mlcube", "mlcube.yaml")} {
		c, err := componentArg(ctx, s, "-m", arg, "", "")
		if err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		if c.ParametersFile != filepath.Join(dir, "mlcube", "workspace", "parameters.yaml") || c.AdditionalFiles != filepath.Join(dir, "mlcube", "workspace", "additional_files") {
			t.Errorf("%s: parameters %q, additional files %q", arg, c.ParametersFile, c.AdditionalFiles)
		}
	}
	c, err := componentArg(ctx, s, "-m", dir, "/given/params.yaml", "")
	if err != nil || c.ParametersFile != "/given/params.yaml" {
		t.Errorf("given parameters: %+v %v", c, err)
	}
	for _, bad := range []string{"0", "-2", filepath.Join(dir, "none"), t.TempDir()} {
		if _, err := componentArg(ctx, s, "-e", bad, "", ""); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("componentArg(%q): %v, want invalid", bad, err)
		}
	}
}
