package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/apptainer"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/cube/local"
	"github.com/medperf/medperf/site"
)

// siteFlags are the flags of every command that runs containers or sends
// something: the runtime, its limits, -y. Their values are resolved with the
// environment and the profile by config.ResolveSite (see apply).
type siteFlags struct {
	flags    *pflag.FlagSet // to tell a flag given from its default
	runtime  string
	memory   string
	cpus     float64
	gpus     string
	timeouts []string
	tmpSize  string
	runAsUID string
	yes      bool
	runs     bool   // whether the command runs containers
	policy   string // --policy FILE (see cli/policy.go)
	// allowPrivate lets downloads reach non-public addresses.
	allowPrivate bool
	// decryptionKey is --decryption-key FILE, on the commands that run
	// models (see addDecryptionKeyFlag).
	decryptionKey string
}

// addSiteFlags adds -y, and with runs the runtime and limit flags.
func addSiteFlags(c *cobra.Command, runs bool) *siteFlags {
	f := &siteFlags{runs: runs, flags: c.Flags()}
	c.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask: confirm what is sent (it is still printed)")
	addPolicyFlag(c, &f.policy)
	if runs {
		c.Flags().StringVar(&f.runtime, "runtime", "", "docker, podman, apptainer or local (default: $MEDPERF_RUNTIME, the profile's, else docker)")
		c.Flags().StringVar(&f.memory, "memory", "", "memory limit of each task, e.g. 8g (default: $MEDPERF_MEMORY, the profile's, else 3/4 of the machine)")
		c.Flags().Float64Var(&f.cpus, "cpus", 0, "CPU limit of each task (default: $MEDPERF_CPUS, the profile's, else all)")
		c.Flags().StringVar(&f.gpus, "gpus", "", "GPUs to give: all, a count, or device=0,1 (default: $MEDPERF_GPUS, the profile's, else none)")
		c.Flags().StringArrayVar(&f.timeouts, "timeout", nil, "TASK=DURATION, e.g. infer=2h (repeatable; default: $MEDPERF_TIMEOUT, the profile's, else per task)")
		c.Flags().BoolVar(&f.allowPrivate, "allow-private-urls", false, "let downloads reach loopback, private and link-local addresses (default: the profile's, else refused)")
		c.Flags().StringVar(&f.tmpSize, "tmp-size", "", "what each task may write to its /tmp, a folder on disk under MEDPERF_HOME/tmp (default: $MEDPERF_TMP_SIZE, the profile's, else 16g)")
		c.Flags().StringVar(&f.runAsUID, "run-as-uid", "", "when medperf runs as root: the uid tasks run as if the dataset's folder belongs to root (default: $MEDPERF_RUN_AS_UID, the profile's, else 65534)")
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
	s := &site.Site{Home: firstNonEmpty(saved.Storage, site.StorageDir(home, p.Server)), Registry: cl, Warn: e.stderr,
		Version: buildVersion().Version, Server: p.Server, ModelKeys: siteModelKeys(cl)}
	if s.Signer, err = siteSigner(); err != nil {
		return nil, err
	}
	if s.Policy, err = loadPolicy(home, f.policy); err != nil {
		return nil, err
	}
	if format != formatJSON && isTerminal(e.stderr) {
		s.Out = e.stderr
	}
	s.Confirm = e.confirmer(f.yes)
	if s.DecryptionKey, err = readDecryptionKey(f.decryptionKey, e.stderr); err != nil {
		return nil, err
	}
	sess := &session{Site: s, profile: saved, close: func() {}}
	// Commands that only download (model submit hashes its additional
	// files) follow the private-URL setting too.
	set, err := f.settings(saved)
	if err != nil {
		return nil, err
	}
	s.AllowPrivateURLs = set.AllowPrivateURLs
	if f.runs {
		runtime := applySettings(&s.Options, set)
		s.RuntimeName = runtime
		rt, closer, err := newSiteRuntime(ctx, runtime, home)
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

// firstNonEmpty returns the first non-empty string of xs.
func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// settings resolves the site settings: the flags given, then the MEDPERF_*
// environment, then the profile p, then the defaults (config.ResolveSite).
func (f *siteFlags) settings(p config.Profile) (config.SiteSettings, error) {
	sf := config.SiteFlags{Runtime: f.runtime, Memory: f.memory, CPUs: f.cpus, GPUs: f.gpus, Timeouts: f.timeouts,
		AllowPrivateURLs: f.allowPrivate, TmpSize: f.tmpSize, RunAsUID: f.runAsUID, Set: map[string]bool{}}
	if f.flags != nil {
		for _, name := range []string{"runtime", "memory", "cpus", "gpus", "timeout", "allow-private-urls", "tmp-size", "run-as-uid"} {
			sf.Set[name] = f.flags.Changed(name)
		}
	}
	return config.ResolveSite(os.Getenv, p.Settings, sf)
}

// apply resolves the settings into the limits and timeouts of o, and
// returns the runtime's name ("" for Docker when an engine answers).
func (f *siteFlags) apply(o *site.Options, p config.Profile) (string, error) {
	s, err := f.settings(p)
	if err != nil {
		return "", err
	}
	return applySettings(o, s), nil
}

// applySettings sets the limits and timeouts of o from s and returns the
// runtime's name.
func applySettings(o *site.Options, s config.SiteSettings) string {
	o.Limits.Memory, o.Limits.CPUs, o.Limits.GPUs, o.Limits.TmpSize = s.Memory, s.CPUs, s.GPUs, s.TmpSize
	o.Timeouts, o.RunAsUID = s.Timeouts, s.RunAsUID
	return s.Runtime
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
			if err := rt.Ping(ctx); err != nil {
				rt.Close()
				return nil, nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "no container engine answers: start Docker, or choose another runtime with --runtime podman|apptainer|local (or 'medperf profile set --runtime ...')", Err: err}
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

// confirmer prints the payload to stderr, as indented YAML, and without -y
// asks on stdin. One reader serves every question of the command: a reader
// per question would buffer the answers piped for the later ones and lose
// them.
func (e *env) confirmer(yes bool) func(string, []byte) (bool, error) {
	in := bufio.NewReader(e.stdin)
	return func(q string, payload []byte) (bool, error) {
		shown := string(payload)
		if y, err := jsonToYAML(payload); err == nil {
			shown = y
		}
		fmt.Fprintf(e.stderr, "This will be sent to the server:\n%s\n", strings.TrimRight(shown, "\n"))
		if yes {
			return true, nil
		}
		fmt.Fprintf(e.stderr, "%s [y/N] ", q)
		line, err := in.ReadString('\n')
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
	var me *medperf.Error
	if errors.As(err, &me) && me.Field == "addr" {
		return "" // the server's own address: its message says what to do
	}
	if h := imageMismatchHint(err); h != "" {
		return h
	}
	var refused *cube.AddressRefusedError
	if errors.As(err, &refused) {
		return "" // a refused private address: its message names the setting to change
	}
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
