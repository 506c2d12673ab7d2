package apptainer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

func testSpec() *cube.Spec {
	return &cube.Spec{
		Task:    &cube.Task{Name: "infer"},
		Command: []string{"infer", "--x=1"},
		Env:     map[string]string{"MODE": "a,b"},
		Limits:  cube.Limits{Memory: 1 << 30, CPUs: 2, Pids: 100},
		Mounts: []cube.Mount{
			{Key: "data_path", Host: "/h/data", Container: "/mlcommons/volumes/data", ReadOnly: true},
			{Key: "output_path", Host: "/h/out", Container: "/mlcommons/volumes/predictions"},
		},
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		edit func(*cube.Spec, *Options)
		want []string
	}{
		{"run without network with read-only inputs", nil, []string{"run", "-eC", "--writable-tmpfs", "--net", "--network", "none",
			"--bind", "/h/data:/mlcommons/volumes/data:ro", "--bind", "/h/out:/mlcommons/volumes/predictions", "img.sif", "infer", "--x=1"}},
		{"exec when the task has an entrypoint", func(s *cube.Spec, _ *Options) { s.Entrypoint = []string{"python", "/app/run.py"} },
			[]string{"exec", "-eC", "--writable-tmpfs", "--net", "--network", "none", "--bind", "/h/data:/mlcommons/volumes/data:ro",
				"--bind", "/h/out:/mlcommons/volumes/predictions", "img.sif", "python", "/app/run.py", "infer", "--x=1"}},
		{"nv for GPUs and network when allowed", func(s *cube.Spec, _ *Options) { s.Limits.GPUs = "all"; s.Network = true; s.Mounts = nil },
			[]string{"run", "-eC", "--writable-tmpfs", "--nv", "img.sif", "infer", "--x=1"}},
		{"cgroup limits when asked", func(s *cube.Spec, o *Options) { o.Cgroups = true; s.Mounts = nil },
			[]string{"run", "-eC", "--writable-tmpfs", "--net", "--network", "none", "--memory", "1073741824", "--cpus", "2", "--pids-limit", "100", "img.sif", "infer", "--x=1"}},
		{"the task's /tmp is its host scratch folder", func(s *cube.Spec, o *Options) { o.Tmp = "/scratch/task-1"; s.Mounts = nil },
			[]string{"run", "-eC", "--writable-tmpfs", "--net", "--network", "none", "--bind", "/scratch/task-1:/tmp", "img.sif", "infer", "--x=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, opt := testSpec(), Options{}
			if tt.edit != nil {
				tt.edit(spec, &opt)
			}
			got, err := Args(spec, "img.sif", opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestArgsRejectsUnbindablePaths(t *testing.T) {
	spec := testSpec()
	spec.Mounts[0].Host = "/h/a:b"
	if _, err := Args(spec, "img.sif", Options{}); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("got %v", err)
	}
}

func TestEnvSurvivesCleanenv(t *testing.T) {
	spec := testSpec()
	spec.Limits.GPUs = "device=0,2"
	env := strings.Join(Env(spec), "\n")
	for _, want := range []string{"APPTAINERENV_MODE=a,b", "SINGULARITYENV_MODE=a,b", "APPTAINERENV_CUDA_VISIBLE_DEVICES=0,2", "APPTAINERENV_HOME=/tmp"} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s:\n%s", want, env)
		}
	}
}

func TestDockerSourcePinsTheDigest(t *testing.T) {
	h := strings.Repeat("a", 64)
	tests := map[string]string{
		"example.org/acme/m:1.0":              "docker://example.org/acme/m@sha256:" + h,
		"localhost:5000/m":                    "docker://localhost:5000/m@sha256:" + h,
		"m@sha256:" + strings.Repeat("b", 64): "docker://m@sha256:" + h,
	}
	for ref, want := range tests {
		if got, err := DockerSource(ref, h); err != nil || got != want {
			t.Errorf("%s: %s, %v; want %s", ref, got, err, want)
		}
	}
	if got, _ := DockerSource("m:1", ""); got != "docker://m:1" {
		t.Errorf("unpinned: %s", got)
	}
}

func TestSIFWithWrongHashIsRefusedBeforeRunning(t *testing.T) {
	sif := filepath.Join(t.TempDir(), "cube.sif")
	os.WriteFile(sif, []byte("not really a sif"), 0o644)
	spec := testSpec()
	spec.Config = &cube.Config{Type: cube.SingularityFile}
	spec.Image, spec.ImageHash = sif, strings.Repeat("0", 64)
	rt := &Runtime{Binary: "/bin/false", CacheDir: t.TempDir()}
	var mismatch *cube.HashMismatchError
	if err := rt.Run(context.Background(), spec); !errors.As(err, &mismatch) {
		t.Fatalf("got %v, want a hash mismatch", err)
	}
}

// TestEncryptedTypesAreRefusedWithTheirReason: without a key nothing is
// fetched; an EncryptedDockerArchive is refused even with one (Apptainer
// would write the clear image into its cache).
func TestEncryptedTypesAreRefusedWithTheirReason(t *testing.T) {
	tests := []struct {
		typ   cube.ContainerType
		key   cube.Secret
		field string
	}{
		{cube.EncryptedSingularityFile, nil, "decryption_key"},
		{cube.EncryptedDockerArchive, nil, "decryption_key"},
		{cube.EncryptedDockerArchive, cube.Secret("k"), "runtime"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s with key %v", tt.typ, tt.key != nil), func(t *testing.T) {
			spec := testSpec()
			spec.Config = &cube.Config{Type: tt.typ}
			spec.Image, spec.DecryptionKey = "https://example.invalid/model.gpg", tt.key
			cache := t.TempDir()
			err := (&Runtime{Binary: "/bin/false", CacheDir: cache}).Run(context.Background(), spec)
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != tt.field {
				t.Fatalf("got %#v, want invalid %s", err, tt.field)
			}
			if entries, _ := os.ReadDir(cache); len(entries) != 0 {
				t.Errorf("something was fetched: %v", entries)
			}
		})
	}
}

func TestApptainerRealRun(t *testing.T) {
	bin, err := Binary()
	if err != nil {
		t.Skip("apptainer/singularity is not installed on this machine; the real run is tested where it is")
	}
	// Build a SIF of the probe from a local directory, then run it.
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	build := exec.Command("go", "build", "-o", probe, "../testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	def := filepath.Join(dir, "probe.def")
	os.WriteFile(def, []byte("Bootstrap: scratch\n%files\n  "+probe+" /probe\n%runscript\n  exec /probe \"$@\"\n"), 0o644)
	sif := filepath.Join(dir, "probe.sif")
	if out, err := exec.Command(bin, "build", sif, def).CombinedOutput(); err != nil {
		t.Skipf("cannot build a SIF here: %v\n%s", err, out)
	}
	cfg, err := cube.ParseConfig(filepath.Join(dir, "c.yaml"), []byte("container_type: SingularityFile\nimage: "+sif+"\ntasks:\n  infer:\n    run_args: {entrypoint: /probe}\n    output_volumes: {output_path: }\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	spec, err := cube.NewSpec(cube.Request{Config: cfg, Task: "infer", Stdout: &out, Mounts: map[string]string{"output_path": filepath.Join(dir, "out")}})
	if err != nil {
		t.Fatal(err)
	}
	spec.Command = []string{"ifaces", "write:/mlcommons/volumes/predictions/p"}
	if err := (&Runtime{Binary: bin, CacheDir: t.TempDir()}).Run(context.Background(), spec); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ifaces=lo\n") || !strings.Contains(out.String(), "write=ok") {
		t.Errorf("output %s", out.String())
	}
}
