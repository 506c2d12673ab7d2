package apptainer

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// Options are the choices Args makes beyond the Spec.
type Options struct {
	// Cgroups applies spec.Limits with --memory, --cpus and --pids-limit,
	// which need root or cgroups v2 delegation.
	Cgroups bool
	// Tmp, when set, is the host folder bound as the task's /tmp (see
	// cube.WithScratch).
	Tmp string
}

// Args returns the apptainer arguments (after the program name) that run
// spec from image (a local SIF path or a docker://, docker-archive: source):
// `run` with the command as arguments, or `exec` with entrypoint + command
// when the task has an entrypoint. Host paths with ':' or ',' cannot be bound
// and are CodeInvalid. The environment is not in the arguments: see Env.
func Args(spec *cube.Spec, image string, opt Options) ([]string, error) {
	sub, argv := "run", slices.Clone(spec.Command)
	if len(spec.Entrypoint) > 0 {
		sub, argv = "exec", append(slices.Clone(spec.Entrypoint), spec.Command...)
	}
	// --writable-tmpfs: the task may write into its root, as MedPerf's
	// containers may; the writes are thrown away with the container.
	args := []string{sub, "-eC", "--writable-tmpfs"}
	if !spec.Network {
		args = append(args, "--net", "--network", "none")
	}
	gpus, err := cube.ParseGPUs(spec.Limits.GPUs)
	if err != nil {
		return nil, err
	}
	if gpus != nil {
		args = append(args, "--nv")
	}
	if opt.Cgroups {
		args = append(args, "--memory", strconv.FormatInt(spec.Limits.Memory, 10),
			"--cpus", strconv.FormatFloat(spec.Limits.CPUs, 'f', -1, 64),
			"--pids-limit", strconv.FormatInt(spec.Limits.Pids, 10))
	}
	if opt.Tmp != "" {
		if strings.ContainsAny(opt.Tmp, ":,") {
			return nil, medperf.FieldError("tmp", "Apptainer cannot bind a host path that contains ':' or ','; set MEDPERF_HOME to a path without them")
		}
		args = append(args, "--bind", opt.Tmp+":/tmp")
	}
	for _, m := range spec.Mounts {
		if strings.ContainsAny(m.Host, ":,") {
			return nil, medperf.FieldError("--mount "+m.Key, "Apptainer cannot bind a host path that contains ':' or ','; move or link it")
		}
		b := m.Host + ":" + m.Container
		if m.ReadOnly {
			b += ":ro"
		}
		args = append(args, "--bind", b)
	}
	args = append(args, image)
	return append(args, argv...), nil
}

// Env returns the process environment that hands spec.Env (and, for device
// lists, CUDA_VISIBLE_DEVICES) into a -e container: each variable prefixed
// with APPTAINERENV_ and SINGULARITYENV_, which --cleanenv keeps.
func Env(spec *cube.Spec) []string {
	vars := map[string]string{"HOME": "/tmp"}
	for k, v := range spec.Env {
		vars[k] = v
	}
	if g, _ := cube.ParseGPUs(spec.Limits.GPUs); g != nil && len(g.Devices) > 0 {
		vars["CUDA_VISIBLE_DEVICES"] = strings.Join(g.Devices, ",")
	}
	var env []string
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, fmt.Sprintf("APPTAINERENV_%s=%s", k, vars[k]), fmt.Sprintf("SINGULARITYENV_%s=%s", k, vars[k]))
	}
	return env
}
