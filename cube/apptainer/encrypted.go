package apptainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/trust"
)

// Private models on Apptainer (EncryptedSingularityFile): Apptainer opens a
// SIF by path and mounts it itself, so the clear image must exist as a
// file. medperf writes it only to memory: a file of its own on a tmpfs
// (DefaultMemoryDir), private to the user, removed when the task ends, and
// swept by the next run if the process was killed. The memory it takes is
// the size of the model. An EncryptedDockerArchive is refused: Apptainer
// would convert it into a SIF in its cache, on disk, in clear.

// DefaultMemoryDir is the tmpfs that holds decrypted SIF files.
const DefaultMemoryDir = "/dev/shm"

// clearPrefix starts the names of decrypted SIF files; the pid that follows
// tells a sweep which ones belong to a process that is gone.
const clearPrefix = "medperf-sif-"

// tmpfsMagic and ramfsMagic are the statfs types of memory file systems.
const (
	tmpfsMagic = 0x01021994
	ramfsMagic = 0x858458f6
)

// decryptToMemory decrypts the verified encrypted SIF file with key into
// a new file under dir, which must be a memory file system, and returns its
// path and the func that removes it. The file is read to its end (gpg's
// integrity check) before the path is returned; on any failure nothing is
// left in dir.
func decryptToMemory(file string, key cube.Secret, dir string) (string, func(), error) {
	if err := checkMemoryFS(dir); err != nil {
		return "", nil, err
	}
	sweepClear(dir)
	src, err := os.Open(file)
	if err != nil {
		return "", nil, medperf.Errorf(medperf.CodeNotFound, "cannot open the encrypted SIF image: %v", err)
	}
	defer src.Close()
	clear, err := trust.DecryptArchive(src, trust.GPGPassphrase(key))
	if err != nil {
		return "", nil, err
	}
	dst, err := os.CreateTemp(dir, fmt.Sprintf("%s%d-*.sif", clearPrefix, os.Getpid()))
	if err != nil {
		return "", nil, medperf.Errorf(medperf.CodeUnavailable, "cannot create the decrypted image in %s: %v", dir, err)
	}
	remove := func() { os.Remove(dst.Name()) }
	_, err = io.Copy(dst, clear)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = medperf.Errorf(medperf.CodeUnavailable, "cannot write the decrypted image in %s (is it full?): %v", dir, cerr)
	}
	if err != nil {
		remove()
		var e *medperf.Error
		if !errors.As(err, &e) {
			err = medperf.Errorf(medperf.CodeUnavailable, "cannot write the decrypted image in %s (is it full?): %v", dir, err)
		}
		return "", nil, err
	}
	return dst.Name(), remove, nil
}

// checkMemoryFS refuses a dir that is not a tmpfs or ramfs: the clear
// image must never reach a disk.
func checkMemoryFS(dir string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return medperf.Errorf(medperf.CodeUnavailable, "cannot use %s for the decrypted image: %v", dir, err)
	}
	if st.Type != tmpfsMagic && st.Type != ramfsMagic {
		return &medperf.Error{Code: medperf.CodeUnavailable, Field: "runtime", Message: fmt.Sprintf(
			"%s is not a memory file system (tmpfs): an encrypted SIF image is decrypted only into memory; mount a tmpfs there, or use --runtime docker", dir)}
	}
	return nil
}

// sweepClear removes decrypted images left in dir by processes that are
// gone (killed before their cleanup ran).
func sweepClear(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), clearPrefix)
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
