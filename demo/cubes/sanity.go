package cubes

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// maxProblems bounds how many problems a failed sanity check lists.
const maxProblems = 10

func runSanityCheck(m Mounts, out io.Writer) error {
	s, err := readSpec(m["parameters_file"])
	if err != nil {
		return err
	}
	cases, dataFiles, labelFiles, err := pairedCases(m["data_path"], "data_path", m["labels_path"], "labels_path")
	if err != nil {
		return err
	}
	var problems []string
	if p := checkMetadata(m["metadata_path"], s, len(cases)); p != "" {
		problems = append(problems, p)
	}
	for _, c := range cases {
		if p := checkCase(m, c, dataFiles[c], labelFiles[c], s); p != "" {
			problems = append(problems, "case "+c+": "+p)
		}
	}
	if len(problems) > 0 {
		more, n := "", len(problems)
		if len(problems) > maxProblems {
			more = fmt.Sprintf("; and %d more", len(problems)-maxProblems)
			problems = problems[:maxProblems]
		}
		return medperf.Errorf(medperf.CodeInvalid, "sanity check failed, %d problem(s) in %d cases: %s%s; prepare the data again with this benchmark's preparator",
			n, len(cases), strings.Join(problems, "; "), more)
	}
	fmt.Fprintf(out, "sanity check passed: %d cases on a %v grid of %v mm voxels\n", len(cases), s.TargetShape, s.TargetVoxelMM)
	return nil
}

// checkCase returns what is wrong with one prepared case, or "".
func checkCase(m Mounts, c, dataFile, labelFile string, s Spec) string {
	d, err := readCase(m["data_path"], dataFile, c)
	if err != nil {
		return "image: " + strings.TrimPrefix(medperf.ErrorMessage(err), "case "+c+": ")
	}
	l, err := readCase(m["labels_path"], labelFile, c)
	if err != nil {
		return "label: " + strings.TrimPrefix(medperf.ErrorMessage(err), "case "+c+": ")
	}
	if !s.matches(d.Dims, d.Voxel) {
		return fmt.Sprintf("image is %v voxels of %v mm, want %v of %v mm", d.Dims, d.Voxel, s.TargetShape, s.TargetVoxelMM)
	}
	if !s.matches(l.Dims, l.Voxel) {
		return fmt.Sprintf("label is %v voxels of %v mm, want %v of %v mm", l.Dims, l.Voxel, s.TargetShape, s.TargetVoxelMM)
	}
	for _, x := range d.Data {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "image holds values that are not finite"
		}
	}
	lesion := 0
	for _, x := range l.Data {
		if x != 0 && x != 1 {
			return fmt.Sprintf("label holds the value %v; labels must be 0 or 1", x)
		}
		lesion += int(x)
	}
	if lesion == 0 {
		return "label is empty: every case must hold a lesion"
	}
	return ""
}

// checkMetadata compares prepare's metadata, when mounted, with the data.
func checkMetadata(dir string, s Spec, n int) string {
	if dir == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, "metadata.yaml"))
	if err != nil {
		return "" // optional: absent metadata is not a problem
	}
	var md metadata
	if err := yaml.Unmarshal(b, &md); err != nil {
		return "metadata.yaml is not valid YAML"
	}
	if md.Cases != n || md.TargetShape != s.TargetShape || md.TargetVoxelMM != s.TargetVoxelMM {
		return fmt.Sprintf("metadata.yaml says %d cases on %v, the data holds %d on %v", md.Cases, md.TargetShape, n, s.TargetShape)
	}
	return ""
}
