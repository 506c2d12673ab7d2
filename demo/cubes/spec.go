package cubes

import (
	"math"

	"github.com/medperf/medperf"
)

// Spec is the benchmark's data specification, the data preparator's
// parameters: every prepared volume has this grid.
type Spec struct {
	TargetShape   [3]int     `yaml:"target_shape"`
	TargetVoxelMM [3]float64 `yaml:"target_voxel_mm"`
}

// readSpec reads and validates the preparator's parameters file.
func readSpec(path string) (Spec, error) {
	var s Spec
	if err := readParameters(path, &s); err != nil {
		return s, err
	}
	return s, s.validate()
}

func (s Spec) validate() error {
	for i := 0; i < 3; i++ {
		if s.TargetShape[i] < 1 || s.TargetShape[i] > 256 {
			return medperf.FieldError("target_shape", "want three sizes from 1 to 256, got %v", s.TargetShape)
		}
		if v := s.TargetVoxelMM[i]; !(v > 0) || math.IsInf(v, 0) || v > 100 {
			return medperf.FieldError("target_voxel_mm", "want three voxel sizes in mm, above 0 and at most 100, got %v", s.TargetVoxelMM)
		}
	}
	return nil
}

// matches reports whether a volume of dims and voxel size lies on s's grid.
func (s Spec) matches(dims [3]int, voxel [3]float64) bool {
	for i := 0; i < 3; i++ {
		if dims[i] != s.TargetShape[i] || math.Abs(voxel[i]-s.TargetVoxelMM[i]) > 1e-3 {
			return false
		}
	}
	return true
}
