package local

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/medperf/medperf/cube"
)

// systemDirs are the host directories a sandboxed program may read: what
// dynamic programs and interpreters need, nothing with user data.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/opt"}

// systemFiles are the host files of /etc the sandbox may read.
var systemFiles = []string{
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime",
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/ssl", "/etc/ca-certificates",
}

// BwrapArgs returns the bubblewrap arguments that run argv (its first word an
// absolute host path) as spec says: every namespace unshared (no network
// unless spec.Network), no capabilities, a new session, killed with its
// parent, an empty environment but PATH, HOME=/tmp and spec.Env, a root of
// its own that it may write to (bubblewrap's fresh in-memory root, thrown
// away with the sandbox, as a container's writable layer is), the system
// directories read-only, the host folder tmp as /tmp (see cube.WithScratch),
// the program's directory read-only, and the plan's mounts (inputs
// read-only) at their container paths.
func BwrapArgs(spec *cube.Spec, argv []string, tmp string) []string {
	args := []string{"--unshare-all"}
	if spec.Network {
		args = append(args, "--share-net")
	}
	args = append(args, "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--hostname", "medperf",
		"--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin", "--setenv", "HOME", "/tmp")
	for _, k := range sortedKeys(spec.Env) {
		args = append(args, "--setenv", k, spec.Env[k])
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev", "--bind", tmp, "/tmp")
	for _, d := range systemDirs {
		args = append(args, systemBind(d)...)
	}
	for _, f := range systemFiles {
		args = append(args, "--ro-bind-try", f, f)
	}
	if dir := filepath.Dir(argv[0]); !underSystemDir(dir) {
		args = append(args, "--ro-bind", dir, dir)
	}
	for _, m := range spec.Mounts {
		flag := "--bind"
		if m.ReadOnly {
			flag = "--ro-bind"
		}
		args = append(args, flag, m.Host, m.Container)
	}
	args = append(args, "--chdir", "/tmp", "--")
	return append(args, argv...)
}

// systemBind mirrors a host system directory: a symlink stays a symlink
// (merged /usr), a directory is bound read-only, a missing one is skipped.
func systemBind(d string) []string {
	fi, err := os.Lstat(d)
	switch {
	case err != nil:
		return nil
	case fi.Mode()&os.ModeSymlink != 0:
		target, err := os.Readlink(d)
		if err != nil {
			return nil
		}
		return []string{"--symlink", target, d}
	default:
		return []string{"--ro-bind", d, d}
	}
}

func underSystemDir(dir string) bool {
	for _, d := range systemDirs {
		if dir == d || strings.HasPrefix(dir, d+"/") {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
