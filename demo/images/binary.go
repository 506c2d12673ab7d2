package images

import (
	"bufio"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/medperf/medperf"
)

// module is the import path of medperf's source tree.
const module = "github.com/medperf/medperf"

// IsStaticLinux reports whether the file at path is a statically linked Linux
// executable for the host's architecture: an ELF file with no interpreter and
// no shared-library dependencies, which runs in a FROM scratch image.
func IsStaticLinux(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, nil // not ELF at all
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return false, nil
	}
	if want, ok := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[runtime.GOARCH]; ok && f.Machine != want {
		return false, nil
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return false, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return len(libs) == 0, nil
}

// Binary returns the path of a static Linux medperf binary to put in the
// images: the running executable when it is one; otherwise one built with
// `CGO_ENABLED=0 go build` into dir from the source tree that contains the
// working directory. It fails with CodeUnavailable when neither is possible,
// saying how to get such a binary.
func Binary(ctx context.Context, dir string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if ok, err := IsStaticLinux(exe); err != nil {
		return "", err
	} else if ok && runtime.GOOS == "linux" {
		return exe, nil
	}
	src, found := sourceRoot()
	if !found {
		return "", medperf.Errorf(medperf.CodeUnavailable, "this medperf binary is not a static Linux executable, so it cannot run in the cubes' FROM scratch images, "+
			"and no medperf source tree contains the working directory to build one: build one with 'CGO_ENABLED=0 go build ./cmd/medperf' and run 'demo images' with it")
	}
	return BuildStatic(ctx, src, dir)
}

// BuildStatic builds cmd/medperf of the source tree at src as a static Linux
// binary in dir and returns its path.
func BuildStatic(ctx context.Context, src, dir string) (string, error) {
	out := filepath.Join(dir, "medperf")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/medperf")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", &medperf.Error{Code: medperf.CodeUnavailable,
			Message: "building a static medperf binary with 'CGO_ENABLED=0 go build ./cmd/medperf' failed: " + lastLine(string(b)), Err: err}
	}
	return out, nil
}

// sourceRoot returns the directory of medperf's go.mod containing the working
// directory, if any.
func sourceRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if isModuleRoot(dir) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func isModuleRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if fields := strings.Fields(s.Text()); len(fields) == 2 && fields[0] == "module" {
			return fields[1] == module
		}
	}
	return false
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
