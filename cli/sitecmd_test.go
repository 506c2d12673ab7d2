package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
)

func TestLimitsFlagsWinOverTheProfile(t *testing.T) {
	for _, v := range []string{config.RuntimeEnv, config.MemoryEnv, config.CPUsEnv, config.GPUsEnv, config.TimeoutEnv} {
		t.Setenv(v, "")
	}
	profile := config.Profile{Settings: config.Settings{Runtime: "local", Memory: "2g", CPUs: 1.5, GPUs: "all", Timeouts: []string{"infer=1h", "evaluate=2h"}}}
	// parse runs a site command's flag parsing, as cobra does.
	parse := func(t *testing.T, args ...string) *siteFlags {
		t.Helper()
		c := &cobra.Command{Use: "x"}
		f := addSiteFlags(c, true)
		if err := c.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("the profile applies when no flag is given", func(t *testing.T) {
		var o site.Options
		rt, err := parse(t).apply(&o, profile)
		if err != nil {
			t.Fatal(err)
		}
		if rt != "local" || o.Limits.Memory != 2<<30 || o.Limits.CPUs != 1.5 || o.Limits.GPUs != "all" || o.Timeouts["infer"] != time.Hour || o.Timeouts["evaluate"] != 2*time.Hour {
			t.Fatalf("%s %+v", rt, o)
		}
	})
	t.Run("flags win", func(t *testing.T) {
		var o site.Options
		rt, err := parse(t, "--runtime", "docker", "--memory", "512m", "--cpus", "1", "--gpus", "1", "--timeout", "infer=5m").apply(&o, profile)
		if err != nil {
			t.Fatal(err)
		}
		if rt != "docker" || o.Limits.Memory != 512<<20 || o.Limits.CPUs != 1 || o.Limits.GPUs != "1" || o.Timeouts["infer"] != 5*time.Minute || o.Timeouts["evaluate"] != 2*time.Hour {
			t.Fatalf("%s %+v", rt, o)
		}
	})
	t.Run("a flag given its zero value still wins", func(t *testing.T) {
		var o site.Options
		if _, err := parse(t, "--cpus", "0").apply(&o, profile); err != nil || o.Limits.CPUs != 0 {
			t.Fatalf("%+v %v", o, err)
		}
	})
	t.Run("the environment wins over the profile", func(t *testing.T) {
		t.Setenv(config.MemoryEnv, "1g")
		var o site.Options
		if _, err := parse(t).apply(&o, profile); err != nil || o.Limits.Memory != 1<<30 {
			t.Fatalf("%+v %v", o, err)
		}
	})
	t.Run("bad values are invalid and name their flag", func(t *testing.T) {
		for _, args := range [][]string{{"--memory", "much"}, {"--timeout", "infer"}, {"--timeout", "infer=-1s"}, {"--runtime", "kubernetes"}, {"--gpus", "some"}} {
			_, err := parse(t, args...).apply(&site.Options{}, config.Profile{})
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != args[0] {
				t.Errorf("%v: %v", args, err)
			}
		}
	})
}

func TestContainerSubmitHashesAnArchive(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	as(t, ts.URL(), w.ModelOwner)
	dir := t.TempDir()
	image := []byte("an image archive")
	os.WriteFile(filepath.Join(dir, "image.tar"), image, 0o644)
	cfg := filepath.Join(dir, "container_config.yaml")
	// Sites download the archive: the registry takes it only at a URL
	// (issue 12, finding 2), with the hash given.
	os.WriteFile(cfg, []byte("container_type: DockerArchive\nimage: https://example.org/image.tar\ntasks:\n  infer:\n    input_volumes:\n      data_path: {mount_path: /d, type: directory}\n    output_volumes:\n      output_path: {mount_path: /o, type: directory}\n"), 0o644)
	sum := sha256.Sum256(image)
	want := "sha256:" + hex.EncodeToString(sum[:])
	code, out, errOut := runCLI(t, "model", "submit", "-n", "archived", "-m", cfg, "--image-hash", hex.EncodeToString(sum[:]), "-o", "json")
	var c medperf.Container
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c.ImageHash != want || !c.IsModel || c.State != medperf.StateOperation {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if got, _ := w.Admin.GetContainer(context.Background(), c.ID); got.ImageHash != want {
		t.Fatalf("registered %q", got.ImageHash)
	}
	t.Run("an archive at a local path is refused by the registry", func(t *testing.T) {
		local := filepath.Join(dir, "local.yaml")
		os.WriteFile(local, []byte("container_type: DockerArchive\nimage: image.tar\ntasks:\n  infer: {}\n"), 0o644)
		if code, _, _ := runCLI(t, "model", "submit", "-n", "local", "-m", local); code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
	t.Run("a container without infer is not a model", func(t *testing.T) {
		os.WriteFile(cfg, []byte("container_type: DockerArchive\nimage: image.tar\ntasks:\n  evaluate:\n    input_volumes:\n      predictions: {mount_path: /p, type: directory}\n"), 0o644)
		if code, _, _ := runCLI(t, "model", "submit", "-n", "not-a-model", "-m", cfg); code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
}
