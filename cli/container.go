package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/apptainer"
	"github.com/medperf/medperf/cube/archive"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/cube/local"
)

func newContainerCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:     "container",
		Aliases: []string{"mlcube"},
		Short:   "Work with containers (container_config.yaml or legacy mlcube.yaml)",
		Args:    cobra.NoArgs,
		RunE:    func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(newRunTestCmd(e), newContainerSubmitCmd(e, false), listContainers(e, false), viewContainer(e), newContainerSignCmd(e))
	c.AddCommand(newAccessCmds(e)...)
	return c
}

// runTestFlags are the flags of `medperf container run-test`.
type runTestFlags struct {
	config, task, params, additional, additionalHash, imageHash string
	mounts, env                                                 []string
	timeout                                                     time.Duration
	memory, gpus, runtime, logFile, cacheDir, tmpSize           string
	cpus                                                        float64
	pids                                                        int64
	network, unsandboxed                                        bool
	allowPrivate                                                bool
	decryptionKey                                               string
}

func newRunTestCmd(e *env) *cobra.Command {
	f := &runTestFlags{}
	c := &cobra.Command{
		Use:   "run-test -m CONFIG -t TASK --mount KEY=PATH ...",
		Short: "Run one task of a container locally, isolated, for cube developers",
		Long: "Runs one task of a container_config.yaml or mlcube.yaml with the same isolation as a real run:\n" +
			"no network, inputs read-only, outputs created for you, your uid:gid, no capabilities, limits and a timeout.\n" +
			"The task's output is printed with a [task] prefix and saved to a log file. See docs/containers.md.",
		Example: "  medperf container run-test -m container_config.yaml -t infer -p parameters.yaml \\\n" +
			"    --mount data_path=./data --mount output_path=./predictions",
		Args: cobra.NoArgs,
	}
	fl := c.Flags()
	fl.StringVarP(&f.config, "config", "m", "", "container_config.yaml or mlcube.yaml (required)")
	fl.StringVarP(&f.task, "task", "t", "", "task to run: prepare, sanity_check, statistics, infer, evaluate... (required)")
	fl.StringVarP(&f.params, "parameters", "p", "", "parameters file, mounted read-only as parameters_file")
	fl.StringVarP(&f.additional, "additional-files", "a", "", "additional files: a directory, or a tar.gz path or http(s) URL, mounted read-only as additional_files")
	fl.StringVar(&f.additionalHash, "additional-files-hash", "", "sha256 the additional files tarball must have (printed when not given)")
	fl.StringVar(&f.imageHash, "image-hash", "", "identity the image must have: image id, registry digest or archive sha256")
	fl.StringArrayVar(&f.mounts, "mount", nil, "KEY=PATH: host path of a task volume (repeatable)")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "NAME=VALUE added to the task's environment (repeatable)")
	fl.DurationVar(&f.timeout, "timeout", 0, "stop the task after this long (default: per task, e.g. infer 24h, evaluate 4h)")
	fl.StringVar(&f.memory, "memory", "", "memory limit, e.g. 8g (default: 3/4 of this machine's memory)")
	fl.Float64Var(&f.cpus, "cpus", 0, "CPU limit, e.g. 2.5 (default: all CPUs)")
	fl.Int64Var(&f.pids, "pids", 0, fmt.Sprintf("process/thread limit (default %d)", cube.DefaultPids))
	fl.StringVar(&f.gpus, "gpus", "", "GPUs to give: all, a count, or device=0,1 (default: none)")
	fl.StringVar(&f.tmpSize, "tmp-size", "", "what the task may write to its /tmp, a folder on disk under the cache (default: 16g)")
	fl.StringVar(&f.runtime, "runtime", "docker", "docker, podman, apptainer or local")
	fl.BoolVar(&f.network, "allow-network", false, "give the task a network (never do this with patient data)")
	fl.BoolVar(&f.unsandboxed, "allow-unsandboxed", false, "with --runtime local and no bwrap, run the task as a plain host process")
	fl.StringVar(&f.logFile, "log", "", "log file (default: CACHE/logs/TASK-TIME.log)")
	fl.BoolVar(&f.allowPrivate, "allow-private-urls", false, "let downloads reach loopback, private and link-local addresses")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where downloads and extracted files are kept (default: the user cache directory + /medperf)")
	addDecryptionKeyFlag(c, &f.decryptionKey, "file holding the model owner's secret (MedPerf's secret.bin) that decrypts an encrypted container's image")
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, stop := interruptible(c)
		defer stop()
		if f.allowPrivate {
			ctx = cube.WithPrivateAddresses(ctx)
		}
		return runTest(ctx, e, f)
	}
	return c
}

func runTest(ctx context.Context, e *env, f *runTestFlags) error {
	if f.config == "" || f.task == "" {
		return medperf.FieldError("-m/-t", "both the container config (-m) and the task (-t) are required")
	}
	cfg, err := cube.ReadConfig(f.config)
	if err != nil {
		return err
	}
	req, err := f.request(cfg)
	if err != nil {
		return err
	}
	if req.DecryptionKey, err = runTestKey(cfg, f.decryptionKey, e.stderr); err != nil {
		return err
	}
	req.Stdout = e.stdout
	rt, err := f.newRuntime()
	if err != nil {
		return err
	}
	if closer, ok := rt.(io.Closer); ok {
		defer closer.Close()
	}
	if f.additional != "" {
		if req.AdditionalFiles, err = f.additionalFiles(ctx, e); err != nil {
			return err
		}
	}
	spec, err := cube.NewSpec(req)
	if err != nil {
		return err
	}
	for _, note := range spec.Notes {
		fmt.Fprintln(e.stderr, "note: "+note)
	}
	start := time.Now()
	err = rt.Run(ctx, spec)
	if _, serr := os.Stat(spec.LogFile); serr == nil {
		fmt.Fprintf(e.stderr, "task %s: %s after %s; log: %s\n", f.task, outcome(err), time.Since(start).Round(time.Millisecond), spec.LogFile)
	}
	return err
}

// runTestKey reads --decryption-key, refused for a container that is not
// encrypted (a mistaken flag should not pass silently).
func runTestKey(cfg *cube.Config, file string, warn io.Writer) (cube.Secret, error) {
	key, err := readDecryptionKey(file, warn)
	if err != nil || key == nil {
		return nil, err
	}
	if !cfg.Type.Encrypted() {
		return nil, medperf.FieldError("--decryption-key", "container type %s is not encrypted: the key is for %s and %s", cfg.Type, cube.EncryptedDockerArchive, cube.EncryptedSingularityFile)
	}
	return key, nil
}

func outcome(err error) string {
	if err == nil {
		return "succeeded"
	}
	return "failed"
}

func (f *runTestFlags) cache() string {
	if f.cacheDir != "" {
		return f.cacheDir
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "medperf")
	}
	return filepath.Join(os.TempDir(), "medperf-cache")
}

// request turns the flags into a cube.Request.
func (f *runTestFlags) request(cfg *cube.Config) (cube.Request, error) {
	r := cube.Request{
		Config: cfg, Task: f.task, ParametersFile: f.params, Timeout: f.timeout, Network: f.network,
		ImageHash: f.imageHash, Mounts: map[string]string{}, Env: map[string]string{},
	}
	for _, m := range f.mounts {
		k, v, ok := strings.Cut(m, "=")
		if !ok || k == "" || v == "" {
			return r, medperf.FieldError("--mount", "%q must be KEY=PATH", m)
		}
		if _, dup := r.Mounts[k]; dup {
			return r, medperf.FieldError("--mount", "%s is given twice", k)
		}
		r.Mounts[k] = v
	}
	for _, kv := range f.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return r, medperf.FieldError("--env", "%q must be NAME=VALUE", kv)
		}
		r.Env[k] = v
	}
	if f.memory != "" {
		m, err := cube.ParseSize(f.memory)
		if err != nil {
			return r, medperf.FieldError("--memory", "%q is not a size (512m, 8g)", f.memory)
		}
		r.Memory = m
	}
	r.CPUs, r.Pids, r.GPUs = f.cpus, f.pids, f.gpus
	if f.tmpSize != "" {
		n, err := cube.ParseSize(f.tmpSize)
		if err != nil || n <= 0 {
			return r, medperf.FieldError("--tmp-size", "%q is not a size (20g)", f.tmpSize)
		}
		r.TmpSize = n
	}
	r.ScratchRoot = filepath.Join(f.cache(), "tmp")
	r.Managed = []string{f.cache()}
	r.LogFile = f.logFile
	if r.LogFile == "" {
		r.LogFile = filepath.Join(f.cache(), "logs", fmt.Sprintf("%s-%s.log", f.task, time.Now().UTC().Format("20060102T150405.000")))
	}
	return r, nil
}

// additionalFiles returns the directory to mount as additional_files.
func (f *runTestFlags) additionalFiles(ctx context.Context, e *env) (string, error) {
	if fi, err := os.Stat(f.additional); err == nil && fi.IsDir() {
		return f.additional, nil
	}
	dir, sum, err := cube.FetchAdditionalFiles(ctx, nil, f.additional, f.additionalHash, filepath.Join(f.cache(), "additional_files"), archive.DefaultLimits)
	if err != nil {
		return "", err
	}
	if f.additionalHash == "" {
		fmt.Fprintf(e.stderr, "additional files tarball sha256: %s (register this hash)\n", sum)
	}
	return dir, nil
}

func (f *runTestFlags) newRuntime() (cube.Runtime, error) {
	switch f.runtime {
	case "docker", "podman":
		if f.runtime == "docker" {
			return docker.New("", f.cache())
		}
		rt, err := docker.New(docker.PodmanHost(), f.cache())
		if err == nil {
			rt.Podman = true
		}
		return rt, err
	case "apptainer", "singularity":
		return &apptainer.Runtime{CacheDir: f.cache(), Options: apptainer.Options{Cgroups: os.Getuid() == 0}}, nil
	case "local":
		return &local.Runtime{AllowUnsandboxed: f.unsandboxed}, nil
	}
	return nil, medperf.FieldError("--runtime", "%q is not a runtime; use docker, podman, apptainer or local", f.runtime)
}
