package config

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// ProfilesFile is the client's profiles file in the home directory; it
// holds tokens, so it is written with mode 0600.
const ProfilesFile = "profiles.yaml"

// KeyFile is the site's signing key (OpenSSH ed25519, mode 0600), relative
// to MEDPERF_HOME; its public half is KeyFile+".pub". `medperf keys create`
// makes it; the site signs every result it submits with it.
var KeyFile = filepath.Join("keys", "id_ed25519")

// Profile is what the client needs to reach one server.
type Profile struct {
	Server string `yaml:"server" json:"server"`
	Token  string `yaml:"token" json:"-"`
	// Storage is where this server's local storage lives when it was moved
	// ('medperf storage move'); empty means $MEDPERF_HOME/storage/<server>.
	Storage  string `yaml:"storage,omitempty" json:"storage,omitempty"`
	Settings `yaml:",inline"`
	// LogKey is the server's transparency log verifier key, pinned by
	// `auth login` on first use: a server that later shows another key is
	// refused (see docs/trust.md).
	LogKey string `yaml:"log_key,omitempty" json:"log_key,omitempty"`
	// Checkpoint is the last signed checkpoint of the server's log that
	// `audit verify` checked; the next one must be consistent with it.
	Checkpoint string `yaml:"checkpoint,omitempty" json:"checkpoint,omitempty"`
}

// Settings are a profile's defaults for the commands that run containers;
// their flags win over them. Empty fields mean the built-in defaults.
type Settings struct {
	// Runtime is docker, podman, apptainer or local.
	Runtime string `yaml:"runtime,omitempty" json:"runtime,omitempty"`
	// Memory is each task's memory limit, e.g. "8g".
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
	// TmpSize bounds what each task may write to its /tmp (a folder under
	// MEDPERF_HOME/tmp), e.g. "20g".
	TmpSize string `yaml:"tmp_size,omitempty" json:"tmp_size,omitempty"`
	// RunAsUID is the unprivileged uid tasks run as when medperf runs as
	// root and the dataset's folder belongs to root, e.g. "65534".
	RunAsUID string `yaml:"run_as_uid,omitempty" json:"run_as_uid,omitempty"`
	// CPUs is each task's CPU limit.
	CPUs float64 `yaml:"cpus,omitempty" json:"cpus,omitempty"`
	// GPUs is all, a count, or device=0,1.
	GPUs string `yaml:"gpus,omitempty" json:"gpus,omitempty"`
	// Timeouts are TASK=DURATION pairs, e.g. infer=2h.
	Timeouts []string `yaml:"timeouts,omitempty" json:"timeouts,omitempty"`
	// AllowPrivateURLs lets downloads reach loopback, private and link-local
	// addresses (default false: a model owner chooses the URLs a site fetches).
	AllowPrivateURLs bool `yaml:"allow_private_urls,omitempty" json:"allow_private_urls,omitempty"`
}

// IsZero reports whether no setting is set.
func (s Settings) IsZero() bool {
	return s.Runtime == "" && s.Memory == "" && s.CPUs == 0 && s.GPUs == "" && len(s.Timeouts) == 0 && !s.AllowPrivateURLs
}

// Profiles are the saved profiles, one per server, and the current one.
type Profiles struct {
	Current  string    `yaml:"current"`
	Profiles []Profile `yaml:"profiles"`
}

// LoadProfiles reads the profiles of the home directory; none is fine.
func LoadProfiles(home string) (*Profiles, error) {
	var p Profiles
	if err := readYAML(filepath.Join(home, ProfilesFile), &p, false); err != nil {
		return nil, err
	}
	return &p, nil
}

// Save writes the profiles with mode 0600, atomically.
func (p *Profiles) Save(home string) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: HomeEnv, Message: "cannot create " + home, Err: err}
	}
	b, err := yaml.Marshal(p)
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Message: "internal error", Err: err}
	}
	tmp, err := os.CreateTemp(home, ".profiles-*")
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: HomeEnv, Message: "cannot write in " + home, Err: err}
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err == nil {
		_, err = tmp.Write(b)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), filepath.Join(home, ProfilesFile))
		}
		if err == nil {
			return nil
		}
	}
	tmp.Close()
	return &medperf.Error{Code: medperf.CodeInvalid, Field: HomeEnv, Message: "cannot save the profiles", Err: err}
}

// NormalizeServer trims a server URL's trailing slashes.
func NormalizeServer(s string) string { return strings.TrimRight(s, "/") }

// Set saves (or replaces) the profile of its server and makes it current. A
// profile without settings keeps those of the profile it replaces, and one
// without a pinned log key or checkpoint keeps those too (a new login must
// not forget what the client has verified).
func (p *Profiles) Set(prof Profile) {
	prof.Server = NormalizeServer(prof.Server)
	if old, ok := p.Get(prof.Server); ok {
		if prof.Settings.IsZero() {
			prof.Settings = old.Settings
		}
		prof.Storage = cmp.Or(prof.Storage, old.Storage) // a new login keeps the moved storage
		prof.LogKey = cmp.Or(prof.LogKey, old.LogKey)
		prof.Checkpoint = cmp.Or(prof.Checkpoint, old.Checkpoint)
	}
	p.Remove(prof.Server)
	p.Profiles = append(p.Profiles, prof)
	p.Current = prof.Server
}

// Remove forgets the profile of server; it reports whether one existed.
func (p *Profiles) Remove(server string) bool {
	server = NormalizeServer(server)
	for i, x := range p.Profiles {
		if x.Server == server {
			p.Profiles = append(p.Profiles[:i], p.Profiles[i+1:]...)
			if p.Current == server {
				p.Current = ""
			}
			return true
		}
	}
	return false
}

// Get returns the profile of server.
func (p *Profiles) Get(server string) (Profile, bool) {
	server = NormalizeServer(server)
	for _, x := range p.Profiles {
		if x.Server == server {
			return x, true
		}
	}
	return Profile{}, false
}

// ResolveClient returns the profile the client uses: the saved profile of
// the server chosen by the --server flag, else MEDPERF_SERVER, else the
// current profile; its token is overridden by MEDPERF_TOKEN when set. It is
// CodeUnauthorized when no server or no token results.
func ResolveClient(getenv Getenv, serverFlag string, serverFlagSet bool) (Profile, error) {
	home, err := Home(getenv)
	if err != nil {
		return Profile{}, err
	}
	profiles, err := LoadProfiles(home)
	if err != nil {
		return Profile{}, err
	}
	var out Profile
	resolve(getenv, []setting{{&out.Server, "", profiles.Current, "MEDPERF_SERVER", serverFlag, serverFlagSet}})
	out.Server = NormalizeServer(out.Server)
	saved, _ := profiles.Get(out.Server)
	resolve(getenv, []setting{{&out.Token, "", saved.Token, "MEDPERF_TOKEN", "", false}})
	if out.Server == "" {
		return out, medperf.Errorf(medperf.CodeUnauthorized, "no server: log in with 'medperf auth login --server URL --token TOKEN'")
	}
	if out.Token == "" {
		return out, medperf.Errorf(medperf.CodeUnauthorized, "no token for %s: log in with 'medperf auth login --server %s --token TOKEN'", out.Server, out.Server)
	}
	return out, nil
}
