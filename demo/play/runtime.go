package play

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/cube/local"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/images"
)

// runtime is the chosen container runtime and how the cubes' configs name
// their images.
type runtime struct {
	name      string // RuntimeDocker or RuntimeLocal
	sandboxed bool   // local only: bwrap works
	runtime   cube.Runtime
	// config returns a cube's container_config.yaml and its image hash.
	config func(cube string) ([]byte, string, error)
	close  func()
}

// chooseRuntime returns the runtime Options name, or Docker when an engine
// answers and the local runtime otherwise.
func (p *player) chooseRuntime(ctx context.Context) (*runtime, error) {
	name := p.o.Runtime
	dc, pingErr := docker.Dial(ctx)
	if name == "" {
		name = RuntimeLocal
		if pingErr == nil {
			name = RuntimeDocker
		}
	}
	if name == RuntimeDocker {
		if pingErr != nil {
			return nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "no Docker engine answers (DOCKER_HOST or /var/run/docker.sock): start Docker, or play the demo with --runtime local", Err: pingErr}
		}
		p.step("", "runtime: %s", describe(RuntimeDocker, false))
		return p.dockerRuntime(ctx, dc)
	}
	if dc != nil {
		dc.Close()
	}
	rt, err := p.localRuntime()
	if err == nil {
		p.step("", "runtime: %s", describe(rt.name, rt.sandboxed))
	}
	return rt, err
}

func describe(name string, sandboxed bool) string {
	switch {
	case name == RuntimeDocker:
		return "docker (the local Docker engine, network-less containers)"
	case sandboxed:
		return "local (the medperf binary on this host, sandboxed by bubblewrap)"
	}
	return "local (the medperf binary on this host, NOT sandboxed)"
}

// dockerRuntime builds the cubes' images from the medperf binary and
// returns the Docker runtime; every config names its image by a tag of its
// own (Options.ImageTag, else one derived from the binary's hash, so that
// another build of the images, which moves the "latest" tags, cannot pull
// the images from under a running demo) and its hash is the image's id.
func (p *player) dockerRuntime(ctx context.Context, dc *docker.Runtime) (*runtime, error) {
	bin := p.o.Binary
	if bin != "" {
		if ok, err := images.IsStaticLinux(bin); err != nil || !ok {
			dc.Close()
			return nil, medperf.Errorf(medperf.CodeUnavailable, "%s is not a static Linux executable, so it cannot run in the cubes' FROM scratch images: build one with 'CGO_ENABLED=0 go build ./cmd/medperf'", bin)
		}
	} else {
		tmp, err := os.MkdirTemp(p.dir, ".build-")
		if err != nil {
			dc.Close()
			return nil, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot create a build directory in " + p.dir, Err: err}
		}
		defer os.RemoveAll(tmp)
		p.step("", "getting a static medperf binary for the images (built with 'go build' when this one is not) ...")
		if bin, err = images.Binary(ctx, tmp); err != nil {
			dc.Close()
			return nil, err
		}
	}
	p.step("", "building the cubes' images from %s (FROM scratch, into the local Docker engine) ...", filepath.Base(bin))
	start := time.Now()
	built, err := images.Build(ctx, dc, bin)
	if err != nil {
		dc.Close()
		return nil, err
	}
	p.report.ImageBuild = time.Since(start).Seconds()
	tag := p.o.ImageTag
	if tag == "" {
		sum, err := cube.FileSHA256(bin)
		if err != nil {
			dc.Close()
			return nil, err
		}
		tag = "bin-" + sum[:12]
	}
	ids, refs := map[string]string{}, map[string]string{}
	for _, b := range built {
		ref := "medperf-demo/" + b.Cube + ":" + tag
		if err := dc.TagImage(ctx, b.ID, ref); err != nil {
			dc.Close()
			return nil, err
		}
		ids[b.Cube], refs[b.Cube] = b.ID, ref
		p.images = append(p.images, ref)
	}
	p.step("", "built %d images in %s", len(built)+1, time.Since(start).Round(10*time.Millisecond))
	dc.CacheDir = filepath.Join(p.dir, "runtime-cache")
	return &runtime{
		name: RuntimeDocker, runtime: dc,
		config: func(c string) ([]byte, string, error) {
			return cubes.ContainerConfig(c, refs[c]), ids[c], nil
		},
		close: func() { dc.Close() },
	}, nil
}

// localRuntime runs the cubes as the medperf binary on this host, in
// bubblewrap when it works here, else unsandboxed with a warning. The image
// hash of a config is the binary's sha256.
func (p *player) localRuntime() (*runtime, error) {
	bin := p.o.Binary
	if bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot find the running medperf executable for the local runtime, and no Docker engine is used: start Docker, or run a medperf binary from a path", Err: err}
		}
		bin = exe
	}
	bin, err := filepath.Abs(bin)
	if err == nil {
		_, err = exec.LookPath(bin)
	}
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "the medperf executable " + bin + " cannot be run, and no Docker engine is used: start Docker, or run a medperf binary you can execute", Err: err}
	}
	sum, err := cube.FileSHA256(bin)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot read the medperf executable " + bin, Err: err}
	}
	rt := &local.Runtime{}
	sandboxed := bwrapWorks()
	if !sandboxed {
		rt.AllowUnsandboxed = true
		p.warn("bubblewrap (bwrap) is missing or cannot sandbox here: the demo's cubes run as plain host processes, " +
			"which see your files and the network. That is acceptable only for medperf's own cubes on synthetic data; " +
			"install bubblewrap, or use Docker, for anything else.")
	}
	return &runtime{
		name: RuntimeLocal, sandboxed: sandboxed, runtime: rt,
		config: func(c string) ([]byte, string, error) {
			return cubes.LocalContainerConfig(c, bin), "sha256:" + sum, nil
		},
		close: func() {},
	}, nil
}

// bwrapWorks reports whether bubblewrap is installed and can make its
// namespaces here (it cannot in some containers).
func bwrapWorks() bool {
	bw, err := exec.LookPath("bwrap")
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bw, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true")
	return cmd.Run() == nil
}
