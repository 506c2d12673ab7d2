package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
)

// profileView is what profile ls and view print: never the token.
type profileView struct {
	Server   string `json:"server"`
	Current  bool   `json:"current"`
	LoggedIn bool   `json:"logged_in"`
	config.Settings
}

func newProfileCmd(e *env) *cobra.Command {
	c := groupCmd("profile", "Manage profiles: one per server, with its token and default runtime, limits and timeouts")
	c.AddCommand(newProfileLsCmd(e), newProfileCreateCmd(e), newProfileActivateCmd(e), newProfileSetCmd(e),
		newProfileViewCmd(e), newProfileDeleteCmd(e))
	return c
}

func loadProfiles() (string, *config.Profiles, error) {
	home, err := config.Home(os.Getenv)
	if err != nil {
		return "", nil, err
	}
	ps, err := config.LoadProfiles(home)
	return home, ps, err
}

func views(ps *config.Profiles) []profileView {
	out := []profileView{}
	for _, p := range ps.Profiles {
		out = append(out, profileView{Server: p.Server, Current: p.Server == ps.Current, LoggedIn: p.Token != "", Settings: p.Settings})
	}
	return out
}

func newProfileLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls", Short: "List profiles", Args: cobra.NoArgs}
	out := outputFlag(c)
	c.RunE = func(*cobra.Command, []string) error {
		_, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		v := views(ps)
		return render(e.stdout, *out, v, func() table {
			t := table{header: []string{"CURRENT", "SERVER", "LOGGED IN", "RUNTIME"}}
			for _, p := range v {
				cur := ""
				if p.Current {
					cur = "*"
				}
				t.rows = append(t.rows, []string{cur, p.Server, cell(p.LoggedIn), p.Runtime})
			}
			return t
		})
	}
	return c
}

// settingsFlags adds the settings flags of create and set.
func settingsFlags(c *cobra.Command) *config.Settings {
	s := &config.Settings{}
	c.Flags().StringVar(&s.Runtime, "runtime", "", "docker, podman, apptainer or local")
	c.Flags().StringVar(&s.Memory, "memory", "", "memory limit of each task, e.g. 8g")
	c.Flags().Float64Var(&s.CPUs, "cpus", 0, "CPU limit of each task")
	c.Flags().StringVar(&s.GPUs, "gpus", "", "GPUs: all, a count, or device=0,1")
	c.Flags().StringArrayVar(&s.Timeouts, "timeout", nil, "TASK=DURATION (repeatable)")
	c.Flags().BoolVar(&s.AllowPrivateURLs, "allow-private-urls", false, "let downloads reach loopback, private and link-local addresses (see docs/security.md)")
	c.Flags().StringVar(&s.TmpSize, "tmp-size", "", "what each task may write to its /tmp, e.g. 20g")
	c.Flags().StringVar(&s.RunAsUID, "run-as-uid", "", "unprivileged uid of tasks when medperf runs as root, e.g. 65534")
	return s
}

func checkSettings(s config.Settings) error {
	switch s.Runtime {
	case "", "docker", "podman", "apptainer", "local":
	default:
		return medperf.FieldError("--runtime", "%q is not a runtime; use docker, podman, apptainer or local", s.Runtime)
	}
	return s.Validate()
}

func newProfileCreateCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "create --server URL [settings]", Short: "Create a profile (log in with 'medperf auth login') and make it current", Args: cobra.NoArgs}
	server := c.Flags().String("server", "", "server URL (required)")
	s := settingsFlags(c)
	c.RunE = func(*cobra.Command, []string) error {
		if *server == "" {
			return medperf.FieldError("--server", "is required")
		}
		if err := checkSettings(*s); err != nil {
			return err
		}
		home, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		if _, ok := ps.Get(*server); ok {
			return medperf.Errorf(medperf.CodeConflict, "a profile for %s exists: change it with 'medperf profile set'", *server)
		}
		ps.Set(config.Profile{Server: *server, Settings: *s})
		if err := ps.Save(home); err != nil {
			return err
		}
		printf(e, "created profile %s; log in with 'medperf auth login --server %s --token -'\n", config.NormalizeServer(*server), config.NormalizeServer(*server))
		return nil
	}
	return c
}

func findProfile(ps *config.Profiles, server string) (config.Profile, error) {
	if server == "" {
		server = ps.Current
	}
	p, ok := ps.Get(server)
	if !ok {
		return p, medperf.Errorf(medperf.CodeNotFound, "no profile for %q: see 'medperf profile ls'", server)
	}
	return p, nil
}

func newProfileActivateCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "activate SERVER", Short: "Make a profile current", Args: cobra.ExactArgs(1)}
	c.RunE = func(_ *cobra.Command, args []string) error {
		home, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		p, err := findProfile(ps, args[0])
		if err != nil {
			return err
		}
		ps.Current = p.Server
		if err := ps.Save(home); err != nil {
			return err
		}
		printf(e, "current profile: %s\n", p.Server)
		return nil
	}
	return c
}

func newProfileSetCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "set [--server URL] [settings]", Short: "Change the settings of the current profile (or of --server)", Args: cobra.NoArgs}
	server := c.Flags().String("server", "", "the profile to change (default: the current one)")
	s := settingsFlags(c)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := checkSettings(*s); err != nil {
			return err
		}
		home, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		p, err := findProfile(ps, *server)
		if err != nil {
			return err
		}
		fl := c.Flags()
		if fl.Changed("runtime") {
			p.Runtime = s.Runtime
		}
		if fl.Changed("memory") {
			p.Memory = s.Memory
		}
		if fl.Changed("cpus") {
			p.CPUs = s.CPUs
		}
		if fl.Changed("gpus") {
			p.GPUs = s.GPUs
		}
		if fl.Changed("timeout") {
			p.Timeouts = s.Timeouts
		}
		if fl.Changed("allow-private-urls") {
			p.AllowPrivateURLs = s.AllowPrivateURLs
		}
		if fl.Changed("tmp-size") {
			p.TmpSize = s.TmpSize
		}
		if fl.Changed("run-as-uid") {
			p.RunAsUID = s.RunAsUID
		}
		cur := ps.Current
		ps.Set(p)
		ps.Current = cur
		if err := ps.Save(home); err != nil {
			return err
		}
		v := profileView{Server: p.Server, Current: p.Server == cur, LoggedIn: p.Token != "", Settings: p.Settings}
		return render(e.stdout, *out, v, kvTable(v))
	}
	return c
}

func newProfileViewCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "view [SERVER]", Short: "Show a profile (never its token)", Args: cobra.MaximumNArgs(1)}
	out := outputFlag(c)
	c.RunE = func(_ *cobra.Command, args []string) error {
		_, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		server := ""
		if len(args) == 1 {
			server = args[0]
		}
		p, err := findProfile(ps, server)
		if err != nil {
			return err
		}
		v := profileView{Server: p.Server, Current: p.Server == ps.Current, LoggedIn: p.Token != "", Settings: p.Settings}
		return render(e.stdout, *out, v, kvTable(v))
	}
	return c
}

func newProfileDeleteCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "delete SERVER", Short: "Delete a profile and its token (local data stays under MEDPERF_HOME/storage)", Args: cobra.ExactArgs(1)}
	c.RunE = func(_ *cobra.Command, args []string) error {
		home, ps, err := loadProfiles()
		if err != nil {
			return err
		}
		if !ps.Remove(args[0]) {
			return medperf.Errorf(medperf.CodeNotFound, "no profile for %q: see 'medperf profile ls'", args[0])
		}
		if err := ps.Save(home); err != nil {
			return err
		}
		printf(e, "deleted profile %s\n", config.NormalizeServer(args[0]))
		return nil
	}
	return c
}
