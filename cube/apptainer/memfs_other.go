//go:build !linux

package apptainer

import "github.com/medperf/medperf"

// checkMemoryFS refuses every folder: the memory file system check is
// written for Linux, where Apptainer runs.
func checkMemoryFS(dir string) error {
	return medperf.Errorf(medperf.CodeUnavailable, "encrypted SIF images are decrypted into a tmpfs, which medperf checks on Linux only; use --runtime docker")
}

// processGone reports false: without the check, nothing is swept.
func processGone(int) bool { return false }
