package local

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// Program returns the host command line of spec: run_args.entrypoint
// followed by the command, or, without an entrypoint, the image field taken
// as a host executable followed by the command. A first word with a slash is
// a path, relative to the config file's directory; one without is looked up
// in PATH. The returned program path is absolute.
func Program(spec *cube.Spec) ([]string, error) {
	argv := slices.Clone(spec.Entrypoint)
	if len(argv) == 0 {
		argv = []string{spec.Image}
	}
	argv = append(argv, spec.Command...)
	prog, err := resolve(argv[0], spec.Config)
	if err != nil {
		return nil, err
	}
	argv[0] = prog
	return argv, nil
}

func resolve(name string, cfg *cube.Config) (string, error) {
	field := "run_args.entrypoint"
	if name == "" {
		return "", medperf.FieldError(field, "is empty: a local run needs run_args.entrypoint or an image that names a host program")
	}
	var p string
	if strings.ContainsRune(name, '/') {
		p = name
		if !filepath.IsAbs(p) && cfg != nil && cfg.Path != "" {
			p = filepath.Join(filepath.Dir(cfg.Path), p)
		}
	} else {
		found, err := exec.LookPath(name)
		if err != nil {
			return "", medperf.FieldError(field, "%q is not a program in PATH; for --runtime local, give run_args.entrypoint (or image) as a host program", name)
		}
		p = found
	}
	p, err := filepath.Abs(p)
	if err != nil {
		return "", medperf.FieldError(field, "cannot resolve %q: %v", name, err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return "", medperf.FieldError(field, "%q is not an executable file on this host; for --runtime local, give run_args.entrypoint (or image) as a host program", name)
	}
	return p, nil
}
