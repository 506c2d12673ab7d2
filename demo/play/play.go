package play

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/server"
)

// The runtimes Options.Runtime may name.
const (
	RuntimeDocker = "docker"
	RuntimeLocal  = "local"
)

// DefaultCases is the number of cases each site's dataset holds.
const DefaultCases = 5

// Options configure a demo. The zero value plays the demo in a temporary
// directory with the first runtime that works.
type Options struct {
	// Dir, when set, keeps everything there: it must be empty or absent, and
	// becomes the server's data directory (Dir/admin.token holds the admin's
	// token), with each user's MEDPERF_HOME under Dir/users/<user>. Empty
	// means a temporary directory, removed by Close.
	Dir string
	// Runtime is RuntimeDocker, RuntimeLocal, or "" for Docker when an
	// engine answers and the local runtime otherwise.
	Runtime string
	// Addr is the server's listen address; default "127.0.0.1:0".
	Addr string
	// Cases is the number of cases per site (1 to 50); default DefaultCases.
	Cases int
	// Seed makes the synthetic data; default 1.
	Seed uint64
	// Binary is the medperf executable the cubes run: put in the images
	// (it must then be a static Linux executable) or run by the local
	// runtime. Default: the running executable, or for Docker one built from
	// the source tree when the running one is not static (see images.Binary).
	Binary string
	// ImageTag tags the cube images built for Docker (besides the "latest"
	// of images.Build); default "bin-" and the first 12 hex digits of the
	// binary's sha256, so that builds from other binaries, which move the
	// "latest" tags, never swap a running demo's images.
	ImageTag string
	// Out receives a progress line per step; nil is quiet.
	Out io.Writer
	// Verbose adds every container task's progress and the exact payload
	// of everything sent to the server (what each user reviews) to Out.
	Verbose bool
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
	// Root, when set, builds the dashboard the server serves at "/" (see
	// server.Config.Root).
	Root func(medperf.Service) http.Handler
}

// Demo is a played demo whose server is still running: Close stops it.
type Demo struct {
	// Report is what was played and its results.
	Report *Report
	// URL is the server's base URL.
	URL string
	// Dir is where everything lives (a temporary directory unless
	// Options.Dir was given).
	Dir string
	// AdminToken and OwnerToken sign in to the server (and its dashboard)
	// as the admin and as the benchmark owner.
	AdminToken, OwnerToken string
	// Dashboard tells whether the server serves a dashboard at URL + "/".
	Dashboard bool

	srv     *server.Server
	cleanup []func()
	once    sync.Once
}

// Close stops the server and the file host and, unless Options.Dir was
// given, removes the temporary directory.
func (d *Demo) Close() error {
	var err error
	d.once.Do(func() {
		for i := len(d.cleanup) - 1; i >= 0; i-- {
			d.cleanup[i]()
		}
		if d.srv != nil {
			err = d.srv.Close()
		}
	})
	return err
}

// Play plays the whole reference benchmark and returns the demo with its
// server still running; the caller must Close it. Errors: CodeInvalid for
// bad options (a non-empty Dir included), CodeForbidden when Dir cannot be
// written, CodeConflict when Addr is taken, CodeUnavailable when the chosen
// runtime cannot run (no Docker engine answers for RuntimeDocker),
// CodeCanceled when ctx ends; any step's own error otherwise, which names
// the step.
func Play(ctx context.Context, o Options) (*Demo, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	start := time.Now()
	d := &Demo{}
	dir, err := o.prepareDir()
	if err != nil {
		return nil, err
	}
	d.Dir = dir
	if o.Dir == "" {
		d.cleanup = append(d.cleanup, func() { os.RemoveAll(dir) })
	}
	p := &player{o: o, dir: dir, demo: d, start: start}
	if err := p.play(ctx); err != nil {
		d.Close()
		if ctx.Err() != nil {
			return nil, &medperf.Error{Code: medperf.CodeCanceled, Message: "the demo was interrupted", Err: ctx.Err()}
		}
		return nil, err
	}
	return d, nil
}

func (o *Options) defaults() error {
	switch o.Runtime {
	case "", RuntimeDocker, RuntimeLocal:
	default:
		return medperf.FieldError("--runtime", "%q is not a runtime the demo can use: docker or local", o.Runtime)
	}
	if o.Cases == 0 {
		o.Cases = DefaultCases
	}
	if o.Cases < 1 || o.Cases > 50 {
		return medperf.FieldError("--cases", "must be between 1 and 50, not %d", o.Cases)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	return nil
}

// prepareDir returns the demo's directory: Options.Dir, created and checked
// writable and empty, or a new temporary directory.
func (o *Options) prepareDir() (string, error) {
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "medperf-demo-")
		if err != nil {
			return "", &medperf.Error{Code: medperf.CodeForbidden, Field: "TMPDIR", Message: "cannot create a temporary directory: set TMPDIR to a writable directory, or give --dir", Err: err}
		}
		return dir, nil
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return "", medperf.FieldError("--dir", "cannot resolve %q", o.Dir)
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return "", medperf.FieldError("--dir", "%s is a file, not a directory", dir)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return "", medperf.FieldError("--dir", "%s is not empty: give an empty or new directory (a previous demo's is left as it is)", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &medperf.Error{Code: medperf.CodeForbidden, Field: "--dir", Message: fmt.Sprintf("cannot create %s: choose a directory you can write to", dir), Err: err}
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeForbidden, Field: "--dir", Message: fmt.Sprintf("cannot write in %s: choose a directory you can write to", dir), Err: err}
	}
	probe.Close()
	os.Remove(probe.Name())
	return dir, nil
}
