package cubes

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Image returns the local image reference of a cube, as `medperf demo images`
// tags it.
func Image(cube string) string { return "medperf-demo/" + cube + ":latest" }

// BinaryPath is where the medperf binary lives inside the cubes' images.
const BinaryPath = "/medperf"

// Entrypoint returns the command line that runs cube inside its image; the
// task name follows it.
func Entrypoint(cube string) []string { return []string{BinaryPath, "demo", "cube", cube} }

// ContainerConfig returns the container_config.yaml of cube with the given
// image: every task with its run_args (entrypoint and command) and its input
// and output volumes at the default mount paths. The text is stable (keys
// sorted), so that examples/demo/<cube>/container_config.yaml can be checked
// against it.
func ContainerConfig(cube, image string) []byte {
	head := fmt.Sprintf("# The reference benchmark's %s cube: the medperf binary in a FROM scratch image,\n", cube) +
		fmt.Sprintf("# built by `medperf demo images`. Mount paths are the defaults of `medperf demo cube %s`.\n", cube)
	return containerConfig(head, image, Entrypoint(cube), cube)
}

// LocalContainerConfig returns the container_config.yaml of cube for the
// local runtime (`--runtime local`): the tasks of ContainerConfig, with the
// medperf executable at binary (an absolute host path) as both the image and
// the first word of every run_args.entrypoint.
func LocalContainerConfig(cube, binary string) []byte {
	head := fmt.Sprintf("# The reference benchmark's %s cube for the local runtime: the medperf binary on this host.\n", cube)
	return containerConfig(head, quote(binary), append([]string{binary}, Entrypoint(cube)[1:]...), cube)
}

func containerConfig(head, image string, entrypoint []string, cube string) []byte {
	var b strings.Builder
	b.WriteString(head)
	fmt.Fprintf(&b, "container_type: DockerImage\nimage: %s\ntasks:\n", image)
	tasks := Tasks(cube)
	for _, name := range slices.Sorted(maps.Keys(tasks)) {
		t := tasks[name]
		fmt.Fprintf(&b, "  %s:\n    run_args:\n      entrypoint: [%s]\n      command: [%s]\n", name, quoteList(entrypoint), quote(name))
		writeVolumes(&b, "input_volumes", t.Inputs)
		writeVolumes(&b, "output_volumes", t.Outputs)
	}
	return []byte(b.String())
}

func writeVolumes(b *strings.Builder, key string, vols map[string]Volume) {
	if len(vols) == 0 {
		fmt.Fprintf(b, "    %s: {}\n", key)
		return
	}
	fmt.Fprintf(b, "    %s:\n", key)
	for _, k := range slices.Sorted(maps.Keys(vols)) {
		fmt.Fprintf(b, "      %s: {mount_path: %s, type: %s}\n", k, vols[k].MountPath, vols[k].Type)
	}
}

func quote(s string) string { return strconv.Quote(s) }

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = quote(x)
	}
	return strings.Join(q, ", ")
}
