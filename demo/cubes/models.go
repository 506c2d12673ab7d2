package cubes

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// ThresholdParams are the parameters of model-threshold and model-cc: a voxel
// whose normalised intensity exceeds Threshold is lesion; model-cc then drops
// connected components smaller than MinComponentVoxels.
type ThresholdParams struct {
	Threshold          float64 `yaml:"threshold"`
	MinComponentVoxels int     `yaml:"min_component_voxels"`
}

// LogRegParams are the parameters of model-logreg: a voxel is lesion when the
// classifier's probability exceeds ProbabilityThreshold.
type LogRegParams struct {
	ProbabilityThreshold float64 `yaml:"probability_threshold"`
}

// A segmenter turns one prepared volume into a binary mask.
type segmenter = func(v *nifti.Volume) *nifti.Volume

// loadModel reads the parameters (and additional files) of a model cube.
func loadModel(cube string, m Mounts) (segmenter, error) {
	switch cube {
	case ModelThreshold, ModelCC:
		var p ThresholdParams
		if err := readParameters(m["parameters_file"], &p); err != nil {
			return nil, err
		}
		if !(p.Threshold > 0) || math.IsInf(p.Threshold, 0) {
			return nil, medperf.FieldError("threshold", "want a positive number, got %v", p.Threshold)
		}
		if cube == ModelThreshold {
			return func(v *nifti.Volume) *nifti.Volume { return Threshold(v, p.Threshold) }, nil
		}
		if p.MinComponentVoxels < 1 {
			return nil, medperf.FieldError("min_component_voxels", "want at least 1, got %d", p.MinComponentVoxels)
		}
		return func(v *nifti.Volume) *nifti.Volume { return ThresholdCC(v, p.Threshold, p.MinComponentVoxels) }, nil
	default:
		var p LogRegParams
		if err := readParameters(m["parameters_file"], &p); err != nil {
			return nil, err
		}
		if !(p.ProbabilityThreshold > 0 && p.ProbabilityThreshold < 1) {
			return nil, medperf.FieldError("probability_threshold", "want a number between 0 and 1, got %v", p.ProbabilityThreshold)
		}
		w, err := ReadWeights(filepath.Join(m["additional_files"], WeightsFile))
		if err != nil {
			return nil, err
		}
		return func(v *nifti.Volume) *nifti.Volume { return w.Segment(v, p.ProbabilityThreshold) }, nil
	}
}

// Threshold returns the mask of the voxels of v above t.
func Threshold(v *nifti.Volume, t float64) *nifti.Volume {
	out := nifti.New(v.Dims, v.Voxel)
	for i, x := range v.Data {
		if float64(x) > t {
			out.Data[i] = 1
		}
	}
	return out
}

// ThresholdCC returns Threshold(v, t) without its 6-connected components of
// fewer than minVoxels voxels.
func ThresholdCC(v *nifti.Volume, t float64, minVoxels int) *nifti.Volume {
	out := Threshold(v, t)
	mask := make([]bool, len(out.Data))
	for i, x := range out.Data {
		mask[i] = x == 1
	}
	label, sizes := components(mask, v.Dims)
	for i, id := range label {
		if id != 0 && sizes[id] < minVoxels {
			out.Data[i] = 0
		}
	}
	return out
}

func runInfer(cube string, m Mounts, out io.Writer) error {
	seg, err := loadModel(cube, m)
	if err != nil {
		return err
	}
	cases, files, err := listCases(m["data_path"], "data_path")
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		return medperf.FieldError("data_path", "no .nii or .nii.gz cases found")
	}
	if err := requireDir(m["output_path"], "output_path"); err != nil {
		return err
	}
	var written []string
	for _, c := range cases {
		v, err := readCase(m["data_path"], files[c], c)
		if err == nil {
			err = writeCase(m["output_path"], c, seg(v), nifti.Uint8)
		}
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
			return err
		}
		written = append(written, filepath.Join(m["output_path"], c+".nii.gz"))
	}
	fmt.Fprintf(out, "%s: segmented %d cases\n", cube, len(cases))
	return nil
}

// LoadModel reads the parameters file (and, for model-logreg, the weights in
// additionalFiles) of a model cube and returns its segmentation function, as
// the infer task uses it. It fails with CodeInvalid on bad parameters.
func LoadModel(cube, parametersFile, additionalFiles string) (func(*nifti.Volume) *nifti.Volume, error) {
	switch cube {
	case ModelThreshold, ModelCC, ModelLogReg:
	default:
		return nil, medperf.FieldError("cube", "%q is not a model cube", cube)
	}
	return loadModel(cube, Mounts{"parameters_file": parametersFile, "additional_files": additionalFiles})
}
