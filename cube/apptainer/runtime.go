package apptainer

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/internal/hostrun"
)

// Runtime runs tasks with the apptainer or singularity program.
type Runtime struct {
	// Binary is the program; "" looks up apptainer, then singularity, in PATH.
	Binary string
	// CacheDir holds downloaded SIF files and archives, by sha256.
	CacheDir string
	// HTTPClient downloads images; nil means http.DefaultClient.
	HTTPClient *http.Client
	// MemoryDir is the memory file system (tmpfs) an EncryptedSingularityFile
	// is decrypted into for the task's time; "" is DefaultMemoryDir.
	MemoryDir string
	Options
}

// Binary returns the apptainer or singularity program found in PATH, or
// CodeUnavailable.
func Binary() (string, error) {
	for _, name := range []string{"apptainer", "singularity"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", medperf.Errorf(medperf.CodeUnavailable, "neither apptainer nor singularity is installed; install Apptainer, or use --runtime docker")
}

// Run runs spec as the cube.Runtime contract says. Apptainer does not report
// out-of-memory kills apart from other kills: with Cgroups, a task killed at
// its memory limit is an *ExitError with status 137.
func (r *Runtime) Run(ctx context.Context, spec *cube.Spec) error {
	bin := r.Binary
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			return err
		}
	}
	image, release, err := r.image(ctx, spec)
	if err != nil {
		return err
	}
	defer release()
	if _, err := Args(spec, image, r.Options); err != nil {
		return err
	}
	// The process runs as the invoking user (bubblewrap and Apptainer
	// cannot switch users without privileges of their own), so outputs
	// belong to that user.
	spec.UID, spec.GID = os.Getuid(), os.Getgid()
	if err := spec.CreateOutputs(); err != nil {
		return err
	}
	out, err := spec.OpenOutput()
	if err != nil {
		return err
	}
	defer out.Close()
	return cube.WithScratch(ctx, spec, func(ctx context.Context, tmp string) error {
		opt := r.Options
		opt.Tmp = tmp
		args, err := Args(spec, image, opt)
		if err != nil {
			return err
		}
		p := &hostrun.Process{Task: spec.Task.Name, Timeout: spec.Timeout, Killed: "its container", Program: filepath.Base(bin),
			Command: func(ctx context.Context) *exec.Cmd {
				cmd := exec.CommandContext(ctx, bin, args...)
				cmd.Env = append(minimalEnv(), Env(spec)...)
				return cmd
			}}
		return p.Run(ctx, out)
	})
}

// minimalEnv is what apptainer itself needs from the host environment.
func minimalEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "USER", "XDG_RUNTIME_DIR", "APPTAINER_CACHEDIR", "SINGULARITY_CACHEDIR", "APPTAINER_TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// image returns the verified image source to run, and the func that
// releases it when the task has ended (it removes a decrypted image).
func (r *Runtime) image(ctx context.Context, spec *cube.Spec) (string, func(), error) {
	cfg := spec.Config
	if err := spec.Runnable(); err != nil {
		return "", nil, err
	}
	if cfg.Type == cube.EncryptedSingularityFile {
		return r.decryptedImage(ctx, spec)
	}
	img, err := r.clearImage(ctx, spec)
	return img, func() {}, err
}

// clearImage returns the verified source of an image that is not
// encrypted.
func (r *Runtime) clearImage(ctx context.Context, spec *cube.Spec) (string, error) {
	cfg := spec.Config
	switch {
	case cfg.Type == cube.EncryptedDockerArchive:
		return "", encryptedRefusal(cfg.Type)
	case cfg.Type == cube.SingularityFile:
		return r.fetch(ctx, spec, spec.Image, "SIF image")
	case cfg.Type == cube.DockerArchive:
		p, err := r.fetch(ctx, spec, spec.Image, "image archive")
		return "docker-archive:" + p, err
	case cfg.Legacy && cfg.SingularityImage != "":
		p := cfg.SingularityImage
		if !filepath.IsAbs(p) && !cube.IsURL(p) {
			p = filepath.Join(filepath.Dir(cfg.Path), "workspace", ".image", p)
		}
		return r.fetch(ctx, spec, p, "SIF image")
	}
	return DockerSource(spec.Image, spec.ImageHash)
}

// decryptedImage fetches the encrypted SIF (its sha256 checked against the
// registered hash before decryption) and decrypts it into memory.
func (r *Runtime) decryptedImage(ctx context.Context, spec *cube.Spec) (string, func(), error) {
	file, err := r.fetch(ctx, spec, spec.Image, "encrypted SIF image")
	if err != nil {
		return "", nil, err
	}
	dir := r.MemoryDir
	if dir == "" {
		dir = DefaultMemoryDir
	}
	return decryptToMemory(file, spec.DecryptionKey, dir)
}

func (r *Runtime) fetch(ctx context.Context, spec *cube.Spec, src, what string) (string, error) {
	p, _, err := cube.FetchFile(ctx, r.HTTPClient, src, spec.ImageHash, filepath.Join(r.CacheDir, "images"), what)
	return p, err
}

// DockerSource returns the docker:// source of a registry image, pinned to
// hash when one is registered, so that the registry's content addressing
// does the identity check.
func DockerSource(ref, hash string) (string, error) {
	if hash == "" {
		return "docker://" + ref, nil
	}
	h, err := cube.NormalizeHash(hash)
	if err != nil {
		return "", err
	}
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	if slash, colon := strings.LastIndex(name, "/"), strings.LastIndex(name, ":"); colon > slash {
		name = name[:colon]
	}
	return "docker://" + name + "@sha256:" + h, nil
}

// encryptedRefusal says why an EncryptedDockerArchive does not run on
// Apptainer: Apptainer converts a Docker archive into a SIF in its own
// cache, on disk, so the clear model would be written there.
func encryptedRefusal(t cube.ContainerType) error {
	return &medperf.Error{Code: medperf.CodeInvalid, Field: "runtime", Message: fmt.Sprintf(
		"container type %s cannot run on Apptainer: Apptainer would convert the decrypted archive into an image in its cache, on disk, in clear; use --runtime docker or --runtime podman", t)}
}
