package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/apptainer"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/cube/local"
	"github.com/medperf/medperf/site"
)

// siteFlags are the flags of every command that runs containers or sends
// something: the runtime, its limits, -y.
type siteFlags struct {
	runtime  string
	memory   string
	cpus     float64
	gpus     string
	timeouts []string
	yes      bool
	runs     bool // whether the command runs containers
	// allowPrivate lets downloads reach non-public addresses.
	allowPrivate bool
}

// addSiteFlags adds -y, and with runs the runtime and limit flags.
func addSiteFlags(c *cobra.Command, runs bool) *siteFlags {
	f := &siteFlags{runs: runs}
	c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask: confirm what is sent (it is still printed)")
	if runs {
		c.Flags().StringVar(&f.runtime, "runtime", "", "docker, podman, apptainer or local (default: the profile's, else docker)")
		c.Flags().StringVar(&f.memory, "memory", "", "memory limit of each task, e.g. 8g (default: the profile's, else 3/4 of the machine)")
		c.Flags().Float64Var(&f.cpus, "cpus", 0, "CPU limit of each task (default: the profile's, else all)")
		c.Flags().StringVar(&f.gpus, "gpus", "", "GPUs to give: all, a count, or device=0,1 (default: none)")
		c.Flags().StringArrayVar(&f.timeouts, "timeout", nil, "TASK=DURATION, e.g. infer=2h (repeatable; default: the profile's, else per task)")
		c.Flags().BoolVar(&f.allowPrivate, "allow-private-urls", false, "let downloads reach loopback, private and link-local addresses (default: the profile's, else refused)")
	}
	return f
}

// session is an open Site with what closes it.
type session struct {
	*site.Site
	profile config.Profile
	close   func()
}

// openSite resolves the profile, the client, the storage root and (for
// commands that run containers) the runtime. Progress goes to stderr only on
// a terminal and never with --output json.
func (e *env) openSite(ctx context.Context, f *siteFlags, format string) (*session, error) {
	cl, p, err := e.newClient("", false)
	if err != nil {
		return nil, err
	}
	home, err := config.Home(os.Getenv)
	if err != nil {
		return nil, err
	}
	saved := savedProfile(home, p.Server)
	s := &site.Site{Home: site.StorageDir(home, p.Server), Registry: cl}
	if format != formatJSON && isTerminal(e.stderr) {
		s.Out = e.stderr
	}
	s.Confirm = e.confirmer(f.yes)
	s.AllowPrivateURLs = f.allowPrivate || saved.AllowPrivateURLs
	sess := &session{Site: s, profile: saved, close: func() {}}
	if f.runs {
		if err := f.apply(&s.Options, saved); err != nil {
			return nil, err
		}
		rt, closer, err := newSiteRuntime(ctx, firstNonEmpty(f.runtime, saved.Runtime), home)
		if err != nil {
			return nil, err
		}
		s.Runtime, sess.close = rt, closer
	}
	return sess, nil
}

func savedProfile(home, server string) config.Profile {
	ps, err := config.LoadProfiles(home)
	if err != nil {
		return config.Profile{Server: server}
	}
	p, _ := ps.Get(server)
	return p
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// apply resolves the limits: flags over the profile over the defaults.
func (f *siteFlags) apply(o *site.Options, p config.Profile) error {
	if m := firstNonEmpty(f.memory, p.Memory); m != "" {
		n, err := cube.ParseSize(m)
		if err != nil {
			return medperf.FieldError("--memory", "%q is not a size (512m, 8g)", m)
		}
		o.Limits.Memory = n
	}
	o.Limits.CPUs = f.cpus
	if o.Limits.CPUs == 0 {
		o.Limits.CPUs = p.CPUs
	}
	o.Limits.GPUs = firstNonEmpty(f.gpus, p.GPUs)
	o.Timeouts = map[string]time.Duration{}
	for _, kv := range append(append([]string{}, p.Timeouts...), f.timeouts...) {
		task, d, err := parseTimeout(kv)
		if err != nil {
			return err
		}
		o.Timeouts[task] = d
	}
	return nil
}

func parseTimeout(kv string) (string, time.Duration, error) {
	task, v, ok := strings.Cut(kv, "=")
	d, err := time.ParseDuration(v)
	if !ok || task == "" || err != nil || d <= 0 {
		return "", 0, medperf.FieldError("--timeout", "%q must be TASK=DURATION, e.g. infer=2h", kv)
	}
	return task, d, nil
}

// newSiteRuntime returns the runtime named, or Docker when none is named and
// an engine answers.
func newSiteRuntime(ctx context.Context, name, home string) (cube.Runtime, func(), error) {
	cache := home + "/cache/runtime"
	switch name {
	case "", "docker", "podman":
		host := ""
		if name == "podman" {
			host = docker.PodmanHost()
		}
		rt, err := docker.New(host, cache)
		if err != nil {
			return nil, nil, err
		}
		rt.Podman = name == "podman"
		if name == "" {
			if err := pingDocker(ctx); err != nil {
				rt.Close()
				return nil, nil, medperf.Errorf(medperf.CodeUnavailable, "no container engine answers: start Docker, or choose another runtime with --runtime podman|apptainer|local (or 'medperf profile set --runtime ...')")
			}
		}
		return rt, func() { rt.Close() }, nil
	case "apptainer", "singularity":
		return &apptainer.Runtime{CacheDir: cache, Options: apptainer.Options{Cgroups: os.Getuid() == 0}}, func() {}, nil
	case "local":
		return &local.Runtime{}, func() {}, nil
	}
	return nil, nil, medperf.FieldError("--runtime", "%q is not a runtime; use docker, podman, apptainer or local", name)
}

func pingDocker(ctx context.Context) error {
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer dc.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = dc.Ping(ctx)
	return err
}

// confirmer prints the payload to stderr and, without -y, asks on stdin.
func (e *env) confirmer(yes bool) func(string, []byte) (bool, error) {
	return func(q string, payload []byte) (bool, error) {
		fmt.Fprintf(e.stderr, "This will be sent to the server:\n%s\n", payload)
		if yes {
			return true, nil
		}
		fmt.Fprintf(e.stderr, "%s [y/N] ", q)
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return false, nil
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

// hint says what to do next after errors that come from the server's or
// the machine's state rather than from the command.
func hint(err error) string {
	switch medperf.ErrorCode(err) {
	case medperf.CodeUnauthorized:
		return "log in again with 'medperf auth login --server URL --token TOKEN' (a revoked or expired token must be replaced)"
	case medperf.CodeUnavailable:
		return "check that the server (or the container engine) is running and reachable, then run the command again"
	case medperf.CodeForbidden:
		return "run the command as the owner of the entity (see 'medperf auth status')"
	}
	return ""
}
