package cubes

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// PrepareCase resamples a raw volume and its label onto s's grid and
// normalises the volume's intensities (its foreground median becomes 1).
// Any non-zero label value counts as lesion. It fails with CodeInvalid when
// the two volumes differ in shape or the volume has no foreground.
func PrepareCase(data, label *nifti.Volume, s Spec) (*nifti.Volume, *nifti.Volume, error) {
	if data.Dims != label.Dims {
		return nil, nil, medperf.Errorf(medperf.CodeInvalid, "image is %v voxels but its label is %v", data.Dims, label.Dims)
	}
	bin := nifti.New(label.Dims, data.Voxel) // the label on the image's grid
	for i, x := range label.Data {
		if x != 0 {
			bin.Data[i] = 1
		}
	}
	d := resample(data, s.TargetShape, s.TargetVoxelMM)
	if !normalize(d) {
		return nil, nil, medperf.Errorf(medperf.CodeInvalid, "image has no foreground (it is empty or constant)")
	}
	l := resample(bin, s.TargetShape, s.TargetVoxelMM)
	binarize(l)
	return d, l, nil
}

// progress is the prepare task's report_file: counts only.
type progress struct {
	Total    int `yaml:"total"`
	Prepared int `yaml:"prepared"`
}

// metadata is what prepare writes in metadata_path.
type metadata struct {
	TargetShape   [3]int     `yaml:"target_shape"`
	TargetVoxelMM [3]float64 `yaml:"target_voxel_mm"`
	Cases         int        `yaml:"cases"`
}

func runPrepare(m Mounts, out io.Writer) error {
	s, err := readSpec(m["parameters_file"])
	if err != nil {
		return err
	}
	cases, dataFiles, labelFiles, err := pairedCases(m["data_path"], "data_path", m["labels_path"], "labels_path")
	if err != nil {
		return err
	}
	for _, k := range []string{"output_path", "output_labels_path"} {
		if err := requireDir(m[k], k); err != nil {
			return err
		}
	}
	report := present(m["report_file"], true)
	var written []string
	fail := func(err error) error {
		for _, p := range written {
			os.Remove(p)
		}
		return err
	}
	for i, c := range cases {
		files, err := prepareOne(m, c, dataFiles[c], labelFiles[c], s)
		written = append(written, files...)
		if err != nil {
			return fail(err)
		}
		if report {
			if err := writeYAML(m["report_file"], progress{Total: len(cases), Prepared: i + 1}); err != nil {
				return fail(err)
			}
		}
	}
	if present(m["metadata_path"], false) {
		md := metadata{TargetShape: s.TargetShape, TargetVoxelMM: s.TargetVoxelMM, Cases: len(cases)}
		if err := writeYAML(filepath.Join(m["metadata_path"], "metadata.yaml"), md); err != nil {
			return fail(err)
		}
	}
	fmt.Fprintf(out, "prepared %d cases onto a %v grid of %v mm voxels\n", len(cases), s.TargetShape, s.TargetVoxelMM)
	return nil
}

// prepareOne prepares one case and returns the files it wrote.
func prepareOne(m Mounts, c, dataFile, labelFile string, s Spec) ([]string, error) {
	data, err := readCase(m["data_path"], dataFile, c)
	if err != nil {
		return nil, err
	}
	label, err := readCase(m["labels_path"], labelFile, c)
	if err != nil {
		return nil, err
	}
	d, l, err := PrepareCase(data, label, s)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "case %s: %s", c, medperf.ErrorMessage(err))
	}
	var written []string
	if err := writeCase(m["output_path"], c, d, nifti.Float32); err != nil {
		return nil, err
	}
	written = append(written, filepath.Join(m["output_path"], c+".nii.gz"))
	if err := writeCase(m["output_labels_path"], c, l, nifti.Uint8); err != nil {
		return written, err
	}
	return append(written, filepath.Join(m["output_labels_path"], c+".nii.gz")), nil
}

// pairedCases lists the cases of a data and a labels directory, which must
// name the same cases, at least one.
func pairedCases(dataDir, dataKey, labelsDir, labelsKey string) ([]string, map[string]string, map[string]string, error) {
	cases, dataFiles, err := listCases(dataDir, dataKey)
	if err != nil {
		return nil, nil, nil, err
	}
	labelCases, labelFiles, err := listCases(labelsDir, labelsKey)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(cases) == 0 {
		return nil, nil, nil, medperf.FieldError(dataKey, "no .nii or .nii.gz cases found")
	}
	for _, c := range cases {
		if _, ok := labelFiles[c]; !ok {
			return nil, nil, nil, medperf.FieldError(labelsKey, "case %s has no label", c)
		}
	}
	for _, c := range labelCases {
		if _, ok := dataFiles[c]; !ok {
			return nil, nil, nil, medperf.FieldError(dataKey, "label %s has no image", c)
		}
	}
	return cases, dataFiles, labelFiles, nil
}
