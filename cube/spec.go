package cube

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/medperf/medperf"
)

// Runtime runs one task of a container. Implementations: cube/docker (Docker
// and Podman), cube/apptainer, cube/local.
//
// Run may be called by any goroutine, several at once. Before anything runs it
// checks the image against spec.ImageHash when that is set (a mismatch is
// CodeInvalid and nothing is created); then it calls spec.CreateOutputs, runs
// the task isolated as the Spec says (no network unless spec.Network, inputs
// read-only, spec.UID:GID, spec.Limits), streams its output through
// spec.OpenOutput, and returns when the task has ended and every resource it
// made (container, process) is gone. It returns nil on a zero exit;
// *ExitError for a non-zero exit, *OOMError when the memory limit killed it,
// *TimeoutError after spec.Timeout (the task is killed), the context's error
// (CodeCanceled) when ctx ends first (the task is killed), CodeUnavailable when
// the engine cannot be reached, and CodeInvalid for a spec the runtime cannot
// honour (with the reason).
type Runtime interface {
	Run(ctx context.Context, spec *Spec) error
}

// Mount is one bind mount of a run.
type Mount struct {
	// Key is the mount key of the task's volume.
	Key string
	// Host is the absolute host path.
	Host string
	// Container is the absolute path inside the container.
	Container string
	Type      VolumeType
	// ReadOnly is true for inputs.
	ReadOnly bool
}

// Limits bounds a run's resources. Zero fields mean the default.
type Limits struct {
	// Memory in bytes; default DefaultMemory(). Swap is not allowed on top.
	Memory int64
	// CPUs is a number of CPUs (1.5 = one and a half); default all of them.
	CPUs float64
	// Pids is the largest number of processes and threads; default DefaultPids.
	Pids int64
	// GPUs is "all", a count ("2") or device ids ("device=0,1"); "0" or
	// "none" for none. In a Request, "" takes the container's own
	// run_args.gpus, as MedPerf does (see resolveGPUs); GPUs are given
	// only when asked for.
	GPUs string
	// ShmSize is the size of /dev/shm in bytes; default run_args.shm_size,
	// else the engine's default.
	ShmSize int64
	// TmpSize bounds, in bytes, what the task may write to its /tmp, a
	// host folder (see WithScratch); default DefaultTmpSize.
	TmpSize int64
}

// DefaultPids is the default pids limit: enough for data loaders with many
// workers, few enough to stop a fork bomb.
const DefaultPids = 4096

// Request asks for one task run; NewSpec checks it and resolves defaults.
type Request struct {
	Config *Config
	Task   string
	// Mounts maps mount keys to host paths; relative paths are made absolute.
	Mounts map[string]string
	// ParametersFile, when set, is mounted as parameters_file.
	ParametersFile string
	// AdditionalFiles, when set, is a directory (see FetchAdditionalFiles)
	// mounted read-only as additional_files.
	AdditionalFiles string
	// Env is added to run_args.environment (and wins over it).
	Env map[string]string
	Limits
	// Timeout 0 means DefaultTimeout(Task).
	Timeout time.Duration
	// Network gives the task a network (never for patient data).
	Network bool
	// ImageHash is the registered image identity; "" skips the check.
	ImageHash string
	// Image, when set, replaces Config.Image (a fetched archive's local path).
	Image string
	// Stdout receives the task's output lines with a prefix; nil for none.
	Stdout io.Writer
	// LogFile, when set, receives the task's raw output.
	LogFile string
	// RunAsUID is the uid (and gid) the task runs as when medperf runs as
	// root and no input belongs to another user; 0 is DefaultRunAsUID.
	RunAsUID int
	// Managed are the host folders medperf itself writes (the site's
	// storage, a cache): inputs under them are given to the task's user
	// when it is not the invoking one (see grantManagedInputs).
	Managed []string
	// ScratchRoot is the host folder under which each run gets a fresh
	// folder for its /tmp (the site's MEDPERF_HOME/tmp); "" is a folder
	// under the system's temporary directory.
	ScratchRoot string
	// DecryptionKey is the model owner's secret for an encrypted container
	// type (the bytes of MedPerf's secret.bin or of a --decryption-key
	// file, before trust.GPGPassphrase); nil for none.
	DecryptionKey Secret
}

// Spec is one task run, checked and resolved: all a Runtime needs.
type Spec struct {
	Config     *Config
	Task       *Task
	Image      string
	ImageHash  string
	Entrypoint []string
	Command    []string
	Env        map[string]string
	Mounts     []Mount
	Limits     Limits
	Timeout    time.Duration
	Network    bool
	// UID and GID the task runs as: the invoking user's, never root (see
	// taskUser).
	UID, GID int
	Stdout   io.Writer
	LogFile  string
	// ScratchRoot: see Request.ScratchRoot.
	ScratchRoot string
	// Managed: see Request.Managed.
	Managed []string
	// Notes are what the user should be told before the task starts (a
	// container's GPU request this machine cannot honour).
	Notes []string
	// DecryptionKey: see Request.DecryptionKey. Only the runtime that
	// decrypts the image reads it; it is never logged or written.
	DecryptionKey Secret
}

// Runnable returns nil when the runtimes can run the spec's container type
// with the key it carries; see ContainerType.Runnable.
func (s *Spec) Runnable() error { return s.Config.Type.Runnable(s.DecryptionKey) }

// NewSpec checks r against its config and returns the run's Spec. Errors are
// CodeInvalid and name the flag or mount key at fault (an unknown task, a
// missing or unknown mount, an input that does not exist or has the wrong
// type, a bad limit); CodeNotFound for a missing input path.
func NewSpec(r Request) (*Spec, error) {
	if r.Config == nil {
		return nil, medperf.FieldError("config", "is missing")
	}
	t, ok := r.Config.Tasks[r.Task]
	if !ok {
		return nil, medperf.FieldError("task", "the container has no task %q; it has: %s", r.Task, taskNames(r.Config))
	}
	if err := r.checkLimits(); err != nil {
		return nil, err
	}
	s := &Spec{
		Config: r.Config, Task: t, Image: r.Config.Image, ImageHash: strings.TrimSpace(r.ImageHash),
		Entrypoint: slices.Clone(t.Entrypoint), Command: slices.Clone(t.Command),
		Limits: r.Limits, Timeout: r.Timeout, Network: r.Network,
		UID: os.Getuid(), GID: os.Getgid(), Stdout: r.Stdout, LogFile: r.LogFile,
		ScratchRoot: r.ScratchRoot, Managed: r.Managed, DecryptionKey: r.DecryptionKey,
	}
	s.Image = r.image()
	if err := s.resolveEnv(r.Env); err != nil {
		return nil, err
	}
	if err := s.resolveMounts(r); err != nil {
		return nil, err
	}
	if err := s.resolveGPUs(r.GPUs); err != nil {
		return nil, err
	}
	s.UID, s.GID = taskUser(s.Mounts, r.RunAsUID)
	if err := s.checkReadable(); err != nil {
		return nil, err
	}
	s.resolveLimits()
	return s, nil
}

// checkLimits refuses negative limits, a bad GPU request or image hash, and
// more CPUs than the machine has.
func (r *Request) checkLimits() error {
	if r.Timeout < 0 || r.Memory < 0 || r.CPUs < 0 || r.Pids < 0 || r.ShmSize < 0 || r.TmpSize < 0 {
		return medperf.FieldError("limits", "timeout, memory, cpus, pids, shm and tmp sizes must not be negative")
	}
	if _, err := ParseGPUs(r.GPUs); err != nil {
		return err
	}
	if r.ImageHash != "" {
		if _, err := NormalizeHash(r.ImageHash); err != nil {
			return medperf.FieldError("image hash", "%q is not a sha256 (64 hex digits, optionally prefixed sha256:)", r.ImageHash)
		}
	}
	if r.CPUs > float64(runtime.NumCPU()) {
		return medperf.FieldError("cpus", "%g is more than the %d CPUs of this machine", r.CPUs, runtime.NumCPU())
	}
	return nil
}

// image returns the image to run: r.Image when set, else the config's,
// where archives and SIF files named by a relative path sit beside the
// config.
func (r *Request) image() string {
	img := r.Config.Image
	switch {
	case r.Image != "":
		return r.Image
	case r.Config.Type != DockerImage && !IsURL(img) && !filepath.IsAbs(img) && r.Config.Path != "":
		return filepath.Join(filepath.Dir(r.Config.Path), img)
	}
	return img
}

func taskNames(c *Config) string {
	var names []string
	for n := range c.Tasks {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (s *Spec) resolveEnv(extra map[string]string) error {
	s.Env = map[string]string{}
	for k, v := range s.Task.Environment {
		s.Env[k] = v
	}
	for k, v := range extra {
		if !envName.MatchString(k) {
			return medperf.FieldError("env", "%q is not a valid environment variable name", k)
		}
		s.Env[k] = v
	}
	return nil
}

func (s *Spec) resolveLimits() {
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout(s.Task.Name)
	}
	if s.Limits.Memory == 0 {
		s.Limits.Memory = DefaultMemory()
	}
	if s.Limits.CPUs == 0 {
		s.Limits.CPUs = float64(runtime.NumCPU())
	}
	if s.Limits.Pids == 0 {
		s.Limits.Pids = DefaultPids
	}
	if s.Limits.ShmSize == 0 {
		s.Limits.ShmSize = s.Task.ShmSize
	}
	if s.Limits.TmpSize == 0 {
		s.Limits.TmpSize = DefaultTmpSize
	}
}

// DefaultMemory is the default memory limit: three quarters of the machine's
// memory (so that the host survives a greedy task), or 4 GiB when that cannot
// be read.
func DefaultMemory() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := ParseSize(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")) + "k"); err == nil {
					return kb / 4 * 3
				}
			}
		}
	}
	return 4 << 30
}

// resolveMounts builds the mount list: every required volume mounted, every
// given key known, inputs present with the right type.
func (s *Spec) resolveMounts(r Request) error {
	given := map[string]string{}
	for k, v := range r.Mounts {
		given[k] = v
	}
	for key, p := range map[string]string{"parameters_file": r.ParametersFile, "additional_files": r.AdditionalFiles} {
		if p == "" {
			continue
		}
		if _, dup := given[key]; dup {
			return medperf.FieldError("--mount "+key, "is given twice (as a mount and by its own flag)")
		}
		given[key] = p
	}
	for key := range given {
		if _, _, ok := s.Task.Volume(key); !ok {
			return medperf.FieldError("--mount "+key, "task %s has no volume %s; its volumes are: %s", s.Task.Name, key, volumeKeys(s.Task))
		}
	}
	for _, vs := range [][]Volume{s.Task.Inputs, s.Task.Outputs} {
		for _, v := range vs {
			if err := s.addMount(v, given[v.Key]); err != nil {
				return err
			}
		}
	}
	if s.Task.ParamArgs {
		for _, m := range s.Mounts {
			s.Command = append(s.Command, "--"+m.Key+"="+m.Container)
		}
	}
	return nil
}

func volumeKeys(t *Task) string {
	var ks []string
	for _, v := range append(slices.Clone(t.Inputs), t.Outputs...) {
		ks = append(ks, v.Key)
	}
	if len(ks) == 0 {
		return "(none)"
	}
	return strings.Join(ks, ", ")
}

func (s *Spec) addMount(v Volume, host string) error {
	_, output, _ := s.Task.Volume(v.Key)
	field := "--mount " + v.Key
	if host == "" {
		host = v.Default
	}
	if host == "" {
		if v.Optional {
			return nil
		}
		kind := "input"
		if output {
			kind = "output"
		}
		return medperf.FieldError(field, "is missing: task %s needs the %s %s (a %s); give --mount %s=PATH", s.Task.Name, kind, v.Key, v.Type, v.Key)
	}
	abs, err := filepath.Abs(host)
	if err != nil {
		return medperf.FieldError(field, "cannot resolve the path: %v", err)
	}
	if !output {
		if err := checkInput(field, abs, v.Type); err != nil {
			return err
		}
	}
	s.Mounts = append(s.Mounts, Mount{Key: v.Key, Host: abs, Container: v.MountPath, Type: v.Type, ReadOnly: !output})
	return nil
}

func checkInput(field, p string, typ VolumeType) error {
	fi, err := os.Stat(p)
	if os.IsNotExist(err) {
		return &medperf.Error{Code: medperf.CodeNotFound, Field: field, Message: "the input does not exist"}
	}
	if err != nil {
		return medperf.FieldError(field, "cannot read the input: %v", err)
	}
	if typ == VolumeDirectory && !fi.IsDir() {
		return medperf.FieldError(field, "must be a directory")
	}
	if typ == VolumeFile && !fi.Mode().IsRegular() {
		return medperf.FieldError(field, "must be a regular file")
	}
	return nil
}

// CreateOutputs creates every output mount that does not exist yet (a
// directory, or an empty file and its directory) owned by s.UID:GID, so that
// engines do not create them as root and files do not turn into directories.
// An existing output of the wrong type is CodeInvalid. It first gives the
// task's user the inputs medperf wrote itself (see grantManagedInputs).
func (s *Spec) CreateOutputs() error {
	if err := s.grantManagedInputs(); err != nil {
		return err
	}
	for _, m := range s.Mounts {
		if m.ReadOnly {
			continue
		}
		if err := createOutput(m, s.UID, s.GID); err != nil {
			return err
		}
	}
	return nil
}

func createOutput(m Mount, uid, gid int) error {
	field := "--mount " + m.Key
	fi, err := os.Stat(m.Host)
	switch {
	case err == nil && m.Type == VolumeDirectory && !fi.IsDir():
		return medperf.FieldError(field, "exists and is not a directory")
	case err == nil && m.Type == VolumeFile && !fi.Mode().IsRegular():
		return medperf.FieldError(field, "exists and is not a regular file")
	case err == nil:
		return giveOutput(m, fi, uid, gid)
	case !os.IsNotExist(err):
		return medperf.FieldError(field, "cannot read the output path: %v", err)
	}
	dir := m.Host
	if m.Type == VolumeFile {
		dir = filepath.Dir(m.Host)
	}
	if err := mkdirOwned(dir, uid, gid); err != nil {
		return medperf.FieldError(field, "cannot create the output directory: %v", err)
	}
	if m.Type == VolumeFile {
		f, err := os.OpenFile(m.Host, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return medperf.FieldError(field, "cannot create the output file: %v", err)
		}
		f.Close()
		if err := chownIfNeeded(m.Host, uid, gid); err != nil {
			return medperf.FieldError(field, "cannot give the output to uid %d: %v", uid, err)
		}
	}
	return nil
}

// mkdirOwned creates dir and its missing parents, giving the ones it creates
// to uid:gid.
func mkdirOwned(dir string, uid, gid int) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirOwned(parent, uid, gid); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return err
	}
	return chownIfNeeded(dir, uid, gid)
}

func chownIfNeeded(p string, uid, gid int) error {
	if uid == os.Getuid() && gid == os.Getgid() {
		return nil
	}
	return os.Chown(p, uid, gid)
}

// giveOutput gives an output that exists already (emptied by the site
// before a run) to the task's user when medperf runs as root, so that a
// task run as another user can write into it.
func giveOutput(m Mount, fi os.FileInfo, uid, gid int) error {
	if os.Getuid() != 0 {
		return nil
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid && int(st.Gid) == gid {
		return nil
	}
	if err := os.Lchown(m.Host, uid, gid); err != nil {
		return medperf.FieldError("--mount "+m.Key, "cannot give the output to uid %d, which the task runs as: %v", uid, err)
	}
	return nil
}
