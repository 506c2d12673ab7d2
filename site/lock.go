package site

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/medperf/medperf"
)

// lock takes an exclusive lock on file (created if needed) so that two
// medperf processes never run the same operation at once; the kernel drops
// it when the process dies, even by kill -9. The returned func releases it.
func lock(file, what string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, storageError(err)
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, storageError(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, medperf.Errorf(medperf.CodeConflict, "another medperf process is already running %s: wait for it to end (or stop it) and run the command again", what)
		}
		return nil, storageError(err)
	}
	return func() { f.Close() }, nil
}
