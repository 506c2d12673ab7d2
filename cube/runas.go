package cube

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/medperf/medperf"
)

// DefaultRunAsUID is the uid (and gid) tasks run as when medperf itself
// runs as root and no input belongs to anyone else: nobody / nogroup.
// Containers never run as root (DESIGN.md, security defaults).
const DefaultRunAsUID = 65534

// taskUser returns the uid and gid a task runs as: the invoking user's;
// when that is root, the owner of the first input (in the task's order)
// that does not belong to root — the owner of the dataset's folder, whose
// data the task reads — else runAs (DefaultRunAsUID when 0 or less).
func taskUser(mounts []Mount, runAs int) (uid, gid int) {
	if os.Getuid() != 0 {
		return os.Getuid(), os.Getgid()
	}
	for _, m := range mounts {
		if !m.ReadOnly {
			continue
		}
		if st, ok := ownerOf(m.Host); ok && st.Uid != 0 {
			return int(st.Uid), int(st.Gid)
		}
	}
	if runAs <= 0 {
		runAs = DefaultRunAsUID
	}
	return runAs, runAs
}

func ownerOf(p string) (*syscall.Stat_t, bool) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return st, ok
}

// checkReadable refuses a run whose user could not read one of its inputs
// (the top of each input: a folder needs read and search, a file read),
// saying which mount and what to do, rather than letting the task fail
// half-way with a permission error.
func (s *Spec) checkReadable() error {
	if s.UID == os.Getuid() {
		return nil
	}
	for _, m := range s.Mounts {
		if !m.ReadOnly || s.managed(m.Host) {
			continue
		}
		st, ok := ownerOf(m.Host)
		if !ok {
			continue
		}
		need := uint32(4)
		if st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
			need = 5
		}
		if !permits(st, s.UID, s.GID, need) {
			return medperf.FieldError("--mount "+m.Key, "medperf runs as root, so task %s runs as uid %d, which cannot read this input; "+
				"make it readable to that user (e.g. chmod -R o+rX on the folder), give the folder to the user who owns the data, or choose the uid with --run-as-uid", s.Task.Name, s.UID)
		}
	}
	return nil
}

// permits reports whether uid:gid has the rwx bits need on a file with st.
func permits(st *syscall.Stat_t, uid, gid int, need uint32) bool {
	mode := st.Mode & 0o777
	switch {
	case int(st.Uid) == uid:
		return (mode>>6)&need == need
	case int(st.Gid) == gid:
		return (mode>>3)&need == need
	}
	return mode&need == need
}

// ExpectedTaskUser is the uid and gid a task whose inputs all belong to the
// invoking user runs as: that user's, or DefaultRunAsUID for root. Tests
// of every runtime compare with it.
func ExpectedTaskUser() (uid, gid int) {
	if os.Getuid() == 0 {
		return DefaultRunAsUID, DefaultRunAsUID
	}
	return os.Getuid(), os.Getgid()
}

// managed reports whether p lies in one of the folders medperf itself
// writes (Spec.Managed).
func (s *Spec) managed(p string) bool {
	for _, root := range s.Managed {
		if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return true
		}
	}
	return false
}

// grantManagedInputs gives the task's user the inputs medperf wrote itself
// (its parameters file, additional files, prepared data: everything under
// Spec.Managed) when that user is not the invoking one, so that a task of
// a root invocation can read them; those folders stay closed to everyone
// else (MEDPERF_HOME is 0700). Inputs of the user's own (raw data) are
// never changed: NewSpec refuses them when unreadable.
func (s *Spec) grantManagedInputs() error {
	if s.UID == os.Getuid() {
		return nil
	}
	for _, m := range s.Mounts {
		if !m.ReadOnly || !s.managed(m.Host) {
			continue
		}
		err := filepath.WalkDir(m.Host, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, s.UID, s.GID)
		})
		if err != nil {
			return medperf.FieldError("--mount "+m.Key, "cannot give this input to uid %d, which the task runs as: %v", s.UID, err)
		}
	}
	return nil
}
