package apptainer

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/medperf/medperf"
)

// tmpfsMagic and ramfsMagic are the statfs types of memory file systems.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// checkMemoryFS refuses a dir that is not a tmpfs or ramfs: the clear
// image must never reach a disk.
func checkMemoryFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return medperf.Errorf(medperf.CodeUnavailable, "cannot use %s for the decrypted image: %v", dir, err)
	}
	if t := uint32(st.Type); t != tmpfsMagic && t != ramfsMagic {
		return &medperf.Error{Code: medperf.CodeUnavailable, Field: "runtime", Message: fmt.Sprintf(
			"%s is not a memory file system (tmpfs): an encrypted SIF image is decrypted only into memory; mount a tmpfs there, or use --runtime docker", dir)}
	}
	return nil
}

// processGone reports whether no process has this pid.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
