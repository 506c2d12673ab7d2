package docker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// Runtime runs tasks as containers of one engine. It is safe for concurrent
// use. Create it with New; Close releases its connection.
type Runtime struct {
	client *client.Client
	// CacheDir holds downloaded image archives, by sha256.
	CacheDir string
	// HTTPClient downloads image archives; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Podman says the engine is Podman's Docker-compatible service: rootless
	// runs then keep the invoking user's id (UsernsMode keep-id).
	Podman bool

	sweep sync.Once
}

// New connects to the engine at host (a URL such as unix:///var/run/docker.sock;
// "" means the DOCKER_HOST environment or Docker's default socket),
// negotiating the API version. cacheDir holds downloaded image archives.
func New(host, cacheDir string) (*Runtime, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.NewClientWithOpts(opts...)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "cannot use the container engine address %q: %v", host, err)
	}
	return &Runtime{client: c, CacheDir: cacheDir}, nil
}

// NewWithClient returns a Runtime over an existing client (which the caller
// keeps ownership of).
func NewWithClient(c *client.Client, cacheDir string) *Runtime {
	return &Runtime{client: c, CacheDir: cacheDir}
}

// Close closes the connection to the engine.
func (r *Runtime) Close() error { return r.client.Close() }

// PodmanHost returns the address of Podman's Docker-compatible socket:
// CONTAINER_HOST when set, else the rootful socket for root and the rootless
// one under XDG_RUNTIME_DIR for other users.
func PodmanHost() string {
	if h := os.Getenv("CONTAINER_HOST"); h != "" {
		return h
	}
	if os.Getuid() == 0 {
		return "unix:///run/podman/podman.sock"
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = fmt.Sprintf("/run/user/%d", os.Getuid())
	}
	return "unix://" + filepath.Join(dir, "podman", "podman.sock")
}

// Run runs spec as the cube.Runtime contract says. The container is created
// without AutoRemove (its exit status and OOM flag must be read after it
// ends) and removed by Run on every path, a cancel during its creation
// included; if this process dies first, the next Runtime's first Run removes
// it (see RemoveStale).
func (r *Runtime) Run(ctx context.Context, spec *cube.Spec) error {
	if err := r.ping(ctx); err != nil {
		return err
	}
	r.sweep.Do(func() { r.RemoveStale(ctx) })
	imageID, err := r.resolveImage(ctx, spec)
	if err != nil {
		return err
	}
	if err := spec.CreateOutputs(); err != nil {
		return err
	}
	imageEnv, err := r.imageEnv(ctx, imageID)
	if err != nil {
		return err
	}
	return cube.WithScratch(ctx, spec, func(ctx context.Context, tmp string) error {
		cfg, hostCfg, err := containerConfig(spec, imageID, r.Podman, imageEnv, tmp)
		if err != nil {
			return err
		}
		return r.createAndRun(ctx, spec, cfg, hostCfg)
	})
}

// imageEnv returns the environment the image sets (KEY=value lines).
func (r *Runtime) imageEnv(ctx context.Context, imageID string) ([]string, error) {
	info, err := r.client.ImageInspect(ctx, imageID)
	if err != nil {
		return nil, engineError(ctx, "inspect the image", err)
	}
	if info.Config == nil {
		return nil, nil
	}
	return info.Config.Env, nil
}

// createAndRun creates the container, runs it, and removes it on every
// path, a cancel at any moment included.
func (r *Runtime) createAndRun(ctx context.Context, spec *cube.Spec, cfg *container.Config, hostCfg *container.HostConfig) error {
	out, err := spec.OpenOutput()
	if err != nil {
		return err
	}
	defer out.Close()
	id, err := r.create(ctx, cfg, hostCfg)
	if id != "" {
		defer r.remove(id)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return &medperf.Error{Code: medperf.CodeCanceled, Message: fmt.Sprintf("task %s was interrupted before it started; its container was removed", spec.Task.Name), Err: ctx.Err()}
	}
	return r.runContainer(ctx, spec, id, out)
}

// createTimeout bounds a container's creation, which the caller's cancel
// does not interrupt.
const createTimeout = 2 * time.Minute

// create creates the container and returns its id. The request is not
// canceled with ctx: a cancel that lands while the engine creates the
// container would make the client return without the id of a container that
// exists, which nothing would then remove. The caller removes a returned id
// on every path and checks ctx afterwards.
func (r *Runtime) create(ctx context.Context, cfg *container.Config, hostCfg *container.HostConfig) (string, error) {
	if beforeCreate != nil {
		beforeCreate()
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	created, err := r.client.ContainerCreate(cctx, cfg, hostCfg, nil, nil, "")
	if err != nil {
		return created.ID, engineError(ctx, "create the container", err)
	}
	return created.ID, nil
}

// beforeCreate, when set by a test, is called just before the container is
// created, so that a test can cancel while the engine creates it.
var beforeCreate func()

func (r *Runtime) ping(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := r.client.Ping(pctx); err != nil {
		if ctx.Err() != nil { // the caller gave up: not the engine's fault
			return engineError(ctx, "reach the container engine", err)
		}
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("no container engine answers at %s: is Docker (or Podman's socket) running?", r.client.DaemonHost()), Err: err}
	}
	return nil
}

// runContainer attaches to, starts and waits for the container, enforcing
// the timeout and the caller's cancellation.
func (r *Runtime) runContainer(ctx context.Context, spec *cube.Spec, id string, out *cube.TaskOutput) error {
	attach, err := r.client.ContainerAttach(ctx, id, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return engineError(ctx, "attach to the container", err)
	}
	defer attach.Close()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		stdcopy.StdCopy(out.Stdout, out.Stderr, attach.Reader)
	}()
	runCtx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()
	waitC, errC := r.client.ContainerWait(runCtx, id, container.WaitConditionNextExit)
	if err := r.client.ContainerStart(runCtx, id, container.StartOptions{}); err != nil {
		return engineError(ctx, "start the container", err)
	}
	select {
	case w := <-waitC:
		waitCopy(copied)
		if w.Error != nil {
			return &medperf.Error{Code: medperf.CodeUnavailable, Message: "the container engine lost track of the task: " + w.Error.Message}
		}
		return r.exitError(spec, id, int(w.StatusCode))
	case err := <-errC:
		r.kill(id)
		attach.Close()
		waitCopy(copied)
		switch {
		case ctx.Err() != nil:
			return &medperf.Error{Code: medperf.CodeCanceled, Message: fmt.Sprintf("task %s was interrupted; its container was stopped and removed", spec.Task.Name), Err: ctx.Err()}
		case runCtx.Err() != nil:
			return &cube.TimeoutError{Task: spec.Task.Name, Timeout: spec.Timeout}
		}
		return engineError(ctx, "wait for the container", err)
	}
}

// waitCopy waits a little for the output copier to drain, without ever
// hanging on an engine that keeps the stream open.
func waitCopy(copied <-chan struct{}) {
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
	}
}

// exitError turns the container's end into nil, *cube.OOMError or *cube.ExitError.
func (r *Runtime) exitError(spec *cube.Spec, id string, status int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := r.client.ContainerInspect(ctx, id)
	if err == nil && info.State != nil && info.State.OOMKilled {
		return &cube.OOMError{Task: spec.Task.Name, Limit: spec.Limits.Memory}
	}
	if status != 0 {
		return &cube.ExitError{Task: spec.Task.Name, Status: status}
	}
	return nil
}

// kill stops a container at once, with a context of its own: the caller's
// may already be done.
func (r *Runtime) kill(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.client.ContainerKill(ctx, id, "KILL")
}

// remove deletes a container whatever its state.
func (r *Runtime) remove(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.client.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
}

// engineError wraps a failed engine call: CodeCanceled when ctx ended,
// CodeUnavailable otherwise, with the engine's explanation.
func engineError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "interrupted while trying to " + what, Err: ctx.Err()}
	}
	if client.IsErrConnectionFailed(err) || errors.Is(err, context.DeadlineExceeded) {
		return &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot reach the container engine to " + what, Err: err}
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("the container engine could not %s: %v", what, err), Err: err}
}
