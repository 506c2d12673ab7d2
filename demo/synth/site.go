package synth

import (
	"hash/fnv"
	"math/rand/v2"

	"github.com/medperf/medperf/demo/nifti"
)

// FieldOfViewMM is the edge of the cubic field of view every site images; the
// benchmark's grid (32³ voxels of 2 mm) covers the same 64 mm.
const FieldOfViewMM = 64.0

// Site is one site's scanner and population.
type Site struct {
	Name string `json:"name"`
	// VoxelMM is the isotropic voxel size; the volume has
	// FieldOfViewMM/VoxelMM voxels along each axis (rounded).
	VoxelMM float64 `json:"voxel_mm"`
	// Scale multiplies every intensity (white matter reads about Scale).
	Scale float64 `json:"scale"`
	// Bias is the strength of the smooth multiplicative bias field: at the
	// edge of the brain the intensity is scaled by up to about exp(±Bias).
	Bias float64 `json:"bias"`
	// Noise is the standard deviation of the Gaussian noise, relative to white matter.
	Noise float64 `json:"noise"`
	// LesionRadiusMM is the range of lesion radii.
	LesionRadiusMM [2]float64 `json:"lesion_radius_mm"`
	// Lesions is the range of the number of lesions per case.
	Lesions [2]int `json:"lesions"`
	// HardShare is the share of hard cases: faint lesions of half the radius.
	HardShare float64 `json:"hard_share"`
	// Datatype is how the site's scanner stores volumes.
	Datatype nifti.Datatype `json:"-"`
}

// Sites are the named sites: three hospitals whose data favour different
// models, the benchmark's demo dataset, and the site the logistic model is
// trained on.
var Sites = map[string]Site{
	// Fine voxels, little noise, no bias, small lesions, many hard cases: a
	// plain threshold finds the small lesions that component cleanup drops.
	"site-a": {Name: "site-a", VoxelMM: 1.6, Scale: 800, Bias: 0, Noise: 0.03,
		LesionRadiusMM: [2]float64{2.2, 4}, Lesions: [2]int{2, 5}, HardShare: 0.4, Datatype: nifti.Int16},
	// Coarse voxels, heavy noise, large lesions: cleanup pays off.
	"site-b": {Name: "site-b", VoxelMM: 2.5, Scale: 1, Bias: 0.05, Noise: 0.16,
		LesionRadiusMM: [2]float64{4.5, 8}, Lesions: [2]int{1, 3}, HardShare: 0.1, Datatype: nifti.Float32},
	// A strong bias field: only a model that looks at the neighbourhood copes.
	"site-c": {Name: "site-c", VoxelMM: 2, Scale: 3000, Bias: 0.45, Noise: 0.06,
		LesionRadiusMM: [2]float64{3, 6}, Lesions: [2]int{1, 4}, HardShare: 0.2, Datatype: nifti.Int16},
	"demo": {Name: "demo", VoxelMM: 2, Scale: 1000, Bias: 0.1, Noise: 0.05,
		LesionRadiusMM: [2]float64{3, 6}, Lesions: [2]int{1, 3}, HardShare: 0.2, Datatype: nifti.Int16},
	"train": {Name: "train", VoxelMM: 2, Scale: 1, Bias: 0.3, Noise: 0.1,
		LesionRadiusMM: [2]float64{2.5, 7}, Lesions: [2]int{1, 4}, HardShare: 0.3, Datatype: nifti.Float32},
}

// SiteNamed returns the site of that name: one of Sites, or for any other
// name a site whose characteristics are drawn deterministically from the name.
func SiteNamed(name string) Site {
	if s, ok := Sites[name]; ok {
		return s
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	lo := 2 + 2*r.Float64()
	return Site{
		Name: name, VoxelMM: []float64{1.6, 2, 2.5}[r.IntN(3)], Scale: []float64{1, 500, 2000}[r.IntN(3)],
		Bias: 0.4 * r.Float64(), Noise: 0.02 + 0.14*r.Float64(),
		LesionRadiusMM: [2]float64{lo, lo + 1 + 3*r.Float64()}, Lesions: [2]int{1, 2 + r.IntN(3)},
		HardShare: 0.4 * r.Float64(), Datatype: []nifti.Datatype{nifti.Int16, nifti.Float32}[r.IntN(2)],
	}
}

// Shape returns the number of voxels along each axis of the site's volumes.
func (s Site) Shape() int {
	n := int(FieldOfViewMM/s.VoxelMM + 0.5)
	return max(n, 8)
}
