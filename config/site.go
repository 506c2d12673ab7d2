package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// The environment variables of the site settings (see docs/configuration.md).
const (
	RuntimeEnv = "MEDPERF_RUNTIME"
	MemoryEnv  = "MEDPERF_MEMORY"
	CPUsEnv    = "MEDPERF_CPUS"
	GPUsEnv    = "MEDPERF_GPUS"
	TimeoutEnv = "MEDPERF_TIMEOUT"
	TmpSizeEnv = "MEDPERF_TMP_SIZE"
	RunAsEnv   = "MEDPERF_RUN_AS_UID"
	// PrivateURLsEnv lets downloads reach non-public addresses (true/false).
	PrivateURLsEnv = "MEDPERF_ALLOW_PRIVATE_URLS"
)

// Runtimes are the container runtimes a site may name; singularity is
// apptainer's former name.
var Runtimes = []string{"docker", "podman", "apptainer", "singularity", "local"}

// SiteFlags are the command line's values of the site settings, for the
// commands that run containers. Set holds the names of the flags given
// (runtime, memory, cpus, gpus, timeout): only those win over the other
// layers, so a flag given its zero value still overrides.
type SiteFlags struct {
	Runtime  string
	Memory   string
	CPUs     float64
	GPUs     string
	Timeouts []string
	TmpSize  string
	RunAsUID string
	// AllowPrivateURLs is --allow-private-urls.
	AllowPrivateURLs bool
	Set              map[string]bool
}

// SiteSettings are the resolved, typed site settings. Zero values mean the
// built-in defaults: Runtime "" is Docker when an engine answers, Memory 0
// is 3/4 of the machine, CPUs 0 all of them, GPUs "" none, and a task
// missing from Timeouts gets cube.DefaultTimeout.
type SiteSettings struct {
	Runtime  string
	Memory   int64 // bytes
	CPUs     float64
	GPUs     string
	Timeouts map[string]time.Duration
	// AllowPrivateURLs lets downloads reach loopback, private and
	// link-local addresses (docs/security.md); default false.
	AllowPrivateURLs bool
	// TmpSize bounds each task's /tmp, in bytes; 0 is cube.DefaultTmpSize.
	TmpSize int64
	// RunAsUID is the uid (and gid) tasks run as when medperf itself runs
	// as root and the dataset's folder belongs to root; -1 is the default,
	// cube.DefaultRunAsUID (nobody).
	RunAsUID int
}

// layer is where a value was found, named as the user would write it, so
// that an error says which one to fix.
type layer struct {
	source string
	value  string
}

// pick applies the precedence rule to one setting: the flag when given,
// else the non-empty environment variable, else the profile's non-empty
// value. ok is false when no layer has a value (the default applies).
func pick(getenv Getenv, f SiteFlags, flag, flagValue, env, profileKey, profileValue string) (layer, bool) {
	switch {
	case f.Set[flag]:
		return layer{"--" + flag, flagValue}, true
	case getenv(env) != "":
		return layer{env, getenv(env)}, true
	case profileValue != "":
		return layer{"profile setting " + profileKey, profileValue}, true
	}
	return layer{}, false
}

// ResolveSite resolves the site settings in the one documented order: flag
// > MEDPERF_* environment variable > the profile's settings > default.
// Timeouts are resolved per task: a task named by a flag takes the flag's
// duration, else MEDPERF_TIMEOUT's, else the profile's. A bad value is
// CodeInvalid with Field naming where it came from (the flag, the variable
// or the profile key).
func ResolveSite(getenv Getenv, profile Settings, f SiteFlags) (SiteSettings, error) {
	var out SiteSettings
	var err error
	if l, ok := pick(getenv, f, "runtime", f.Runtime, RuntimeEnv, "runtime", profile.Runtime); ok {
		if out.Runtime, err = parseRuntime(l); err != nil {
			return out, err
		}
	}
	if l, ok := pick(getenv, f, "memory", f.Memory, MemoryEnv, "memory", profile.Memory); ok {
		if out.Memory, err = parseMemory(l); err != nil {
			return out, err
		}
	}
	if out.CPUs, err = resolveCPUs(getenv, profile, f); err != nil {
		return out, err
	}
	if l, ok := pick(getenv, f, "gpus", f.GPUs, GPUsEnv, "gpus", profile.GPUs); ok {
		if out.GPUs, err = parseGPUs(l); err != nil {
			return out, err
		}
	}
	if out.Timeouts, err = resolveTimeouts(getenv, profile, f); err != nil {
		return out, err
	}
	if out.AllowPrivateURLs, err = resolvePrivateURLs(getenv, profile, f); err != nil {
		return out, err
	}
	if l, ok := pick(getenv, f, "tmp-size", f.TmpSize, TmpSizeEnv, "tmp_size", profile.TmpSize); ok {
		if out.TmpSize, err = parseTmpSize(l); err != nil {
			return out, err
		}
	}
	out.RunAsUID = -1
	if l, ok := pick(getenv, f, "run-as-uid", f.RunAsUID, RunAsEnv, "run_as_uid", profile.RunAsUID); ok {
		if out.RunAsUID, err = parseUID(l); err != nil {
			return out, err
		}
	}
	return out, nil
}

func parseTmpSize(l layer) (int64, error) {
	n, err := cube.ParseSize(l.value)
	if err != nil || n <= 0 {
		return 0, medperf.FieldError(l.source, "%q is not a size; use e.g. 20g", l.value)
	}
	return n, nil
}

// parseUID accepts an unprivileged uid: running tasks as root is what the
// setting exists to avoid.
func parseUID(l layer) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(l.value))
	if err != nil || n <= 0 || n > 1<<31-2 {
		return 0, medperf.FieldError(l.source, "%q is not an unprivileged uid; use a number above 0, e.g. 65534", l.value)
	}
	return n, nil
}

func resolvePrivateURLs(getenv Getenv, profile Settings, f SiteFlags) (bool, error) {
	switch {
	case f.Set["allow-private-urls"]:
		return f.AllowPrivateURLs, nil
	case getenv(PrivateURLsEnv) != "":
		v, err := strconv.ParseBool(strings.TrimSpace(getenv(PrivateURLsEnv)))
		if err != nil {
			return false, medperf.FieldError(PrivateURLsEnv, "%q is not true or false", getenv(PrivateURLsEnv))
		}
		return v, nil
	}
	return profile.AllowPrivateURLs, nil
}

func parseRuntime(l layer) (string, error) {
	for _, r := range Runtimes {
		if l.value == r {
			return r, nil
		}
	}
	return "", medperf.FieldError(l.source, "%q is not a runtime; use docker, podman, apptainer or local", l.value)
}

func parseMemory(l layer) (int64, error) {
	n, err := cube.ParseSize(l.value)
	if err != nil {
		return 0, medperf.FieldError(l.source, "%q is not a size; use e.g. 512m or 4g", l.value)
	}
	return n, nil
}

func resolveCPUs(getenv Getenv, profile Settings, f SiteFlags) (float64, error) {
	switch {
	case f.Set["cpus"]:
		return checkCPUs("--cpus", f.CPUs, strconv.FormatFloat(f.CPUs, 'g', -1, 64))
	case getenv(CPUsEnv) != "":
		v := getenv(CPUsEnv)
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, medperf.FieldError(CPUsEnv, "%q is not a number of CPUs; use e.g. 2 or 1.5", v)
		}
		return checkCPUs(CPUsEnv, n, v)
	}
	return checkCPUs("profile setting cpus", profile.CPUs, strconv.FormatFloat(profile.CPUs, 'g', -1, 64))
}

func checkCPUs(source string, n float64, v string) (float64, error) {
	if n < 0 || n != n || n > 1e6 {
		return 0, medperf.FieldError(source, "%q is not a number of CPUs; use e.g. 2 or 1.5 (0 means all)", v)
	}
	return n, nil
}

// parseGPUs accepts what every runtime understands: all, a count, or
// device=ID,ID.
func parseGPUs(l layer) (string, error) {
	v := strings.TrimSpace(l.value)
	if v == "all" {
		return v, nil
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return v, nil
	}
	if ids, ok := strings.CutPrefix(v, "device="); ok && ids != "" {
		good := true
		for _, id := range strings.Split(ids, ",") {
			good = good && id != "" && strings.Trim(id, "0123456789abcdefABCDEF-") == ""
		}
		if good {
			return v, nil
		}
	}
	return "", medperf.FieldError(l.source, "%q is not a GPU request; use all, a count (2) or device=0,1", l.value)
}

// resolveTimeouts merges the timeouts task by task, the lowest layer first.
func resolveTimeouts(getenv Getenv, profile Settings, f SiteFlags) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	layers := []struct {
		source string
		pairs  []string
	}{
		{"profile setting timeouts", profile.Timeouts},
		{TimeoutEnv, splitList(getenv(TimeoutEnv))},
		{"--timeout", f.Timeouts},
	}
	for _, l := range layers {
		for _, kv := range l.pairs {
			task, d, err := parseTimeout(l.source, kv)
			if err != nil {
				return nil, err
			}
			out[task] = d
		}
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func parseTimeout(source, kv string) (string, time.Duration, error) {
	task, v, ok := strings.Cut(kv, "=")
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if !ok || strings.TrimSpace(task) == "" || err != nil || d <= 0 {
		return "", 0, medperf.FieldError(source, "%q is not TASK=DURATION; use e.g. infer=2h or prepare=30m", kv)
	}
	return strings.TrimSpace(task), d, nil
}

// Validate checks a profile's settings alone (no flag, no environment), as
// they are saved: CodeInvalid naming the profile setting that is bad.
func (s Settings) Validate() error {
	_, err := ResolveSite(func(string) string { return "" }, s, SiteFlags{})
	return err
}
