package apptainer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
		if processGone(pid) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
