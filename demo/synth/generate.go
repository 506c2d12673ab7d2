package synth

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/nifti"
)

// BenchmarkSpec is the reference benchmark's data specification, the data
// preparator's parameters: 32³ voxels of 2 mm.
var BenchmarkSpec = cubes.Spec{TargetShape: [3]int{32, 32, 32}, TargetVoxelMM: [3]float64{2, 2, 2}}

// Tissue intensities relative to white matter, FLAIR-like: lesions are bright.
const (
	csf         = 0.35
	greyMatter  = 1.2
	whiteMatter = 1.0
	ventricle   = 0.3
	lesionGain  = 0.8  // lesion contrast above white matter
	hardGain    = 0.35 // contrast of a hard case's faint lesions
	edgeMM      = 1.0  // width of a lesion's soft edge
)

// lesion is one ellipsoidal lesion, in mm from the centre of the field of view.
type lesion struct {
	centre [3]float64
	radii  [3]float64
	gain   float64
}

// anatomy is one case's brain, before the scanner sees it.
type anatomy struct {
	centre  [3]float64
	axes    [3]float64 // semi-axes of the brain in mm
	lesions []lesion
	bias    [3]float64 // direction and strength of the bias field's gradient
	quad    float64    // strength of its quadratic term
}

// caseRand returns the random source of one case of one site.
func caseRand(site Site, seed uint64, index int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(site.Name))
	return rand.New(rand.NewPCG(seed^h.Sum64(), uint64(index)))
}

// maxDraws bounds how often GenerateCase redraws a case.
const maxDraws = 50

// GenerateCase returns case index of site for seed: the image as the site's
// scanner stores it and its lesion mask (0/1), on the site's grid. The case is
// redrawn until its lesions survive the benchmark's preparation, so that every
// generated case passes the sanity check; a site whose lesions never do (too
// small for the benchmark's grid) gives a CodeInvalid error.
func GenerateCase(site Site, seed uint64, index int) (*nifti.Volume, *nifti.Volume, error) {
	r := caseRand(site, seed, index)
	for range maxDraws {
		a := drawAnatomy(site, r)
		img, label := scan(site, a, r)
		if _, l, err := cubes.PrepareCase(img, label, BenchmarkSpec); err == nil && sum(l.Data) > 0 && sum(label.Data) > 0 {
			return img, label, nil
		}
	}
	return nil, nil, medperf.Errorf(medperf.CodeInvalid, "site %s: no case with lesions visible on the benchmark's grid in %d draws; its lesions are too small", site.Name, maxDraws)
}

func sum(xs []float32) float64 {
	var s float64
	for _, x := range xs {
		s += float64(x)
	}
	return s
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// drawAnatomy draws a brain and its lesions.
func drawAnatomy(site Site, r *rand.Rand) anatomy {
	a := anatomy{axes: [3]float64{26, 22, 20}}
	for i := range a.axes {
		a.axes[i] *= uniform(r, 0.94, 1.06)
		a.centre[i] = uniform(r, -2, 2)
	}
	hard := r.Float64() < site.HardShare
	n := site.Lesions[0] + r.IntN(site.Lesions[1]-site.Lesions[0]+1)
	for len(a.lesions) < n {
		l := lesion{gain: lesionGain * uniform(r, 0.85, 1.15)}
		rad := uniform(r, site.LesionRadiusMM[0], site.LesionRadiusMM[1])
		if hard {
			l.gain = hardGain * uniform(r, 0.9, 1.1)
			rad = max(rad*0.55, 2)
		}
		for i := range l.radii {
			l.radii[i] = rad * uniform(r, 0.8, 1.2)
			l.centre[i] = a.centre[i] + a.axes[i]*uniform(r, -0.55, 0.55)
		}
		if a.inWhiteMatter(l.centre) {
			a.lesions = append(a.lesions, l)
		}
	}
	for i := range a.bias {
		a.bias[i] = r.NormFloat64()
	}
	norm := math.Sqrt(a.bias[0]*a.bias[0] + a.bias[1]*a.bias[1] + a.bias[2]*a.bias[2])
	for i := range a.bias {
		a.bias[i] *= site.Bias / norm
	}
	a.quad = site.Bias * uniform(r, -0.5, 0.5)
	return a
}

// rho returns the ellipsoidal radius of p (1 on the brain's surface).
func (a anatomy) rho(p [3]float64) float64 {
	var s float64
	for i := range p {
		d := (p[i] - a.centre[i]) / a.axes[i]
		s += d * d
	}
	return math.Sqrt(s)
}

// inVentricle reports whether p lies in one of the two ventricles.
func (a anatomy) inVentricle(p [3]float64) bool {
	for _, side := range []float64{-1, 1} {
		c := [3]float64{a.centre[0] + side*5, a.centre[1] + 2, a.centre[2] + 2}
		d := [3]float64{(p[0] - c[0]) / 3, (p[1] - c[1]) / 8, (p[2] - c[2]) / 5}
		if d[0]*d[0]+d[1]*d[1]+d[2]*d[2] <= 1 {
			return true
		}
	}
	return false
}

func (a anatomy) inWhiteMatter(p [3]float64) bool {
	return a.rho(p) < 0.7 && !a.inVentricle(p)
}

// tissue returns the intensity of healthy tissue at p.
func (a anatomy) tissue(p [3]float64) float64 {
	switch rho := a.rho(p); {
	case rho > 1:
		return 0
	case rho > 0.9:
		return csf
	case rho > 0.75:
		return greyMatter
	case a.inVentricle(p):
		return ventricle
	default:
		return whiteMatter
	}
}

// lesionAt returns the extra intensity of lesions at p and whether p is
// inside a lesion.
func (a anatomy) lesionAt(p [3]float64) (float64, bool) {
	var gain float64
	inside := false
	for _, l := range a.lesions {
		var s float64
		for i := range p {
			d := (p[i] - l.centre[i]) / l.radii[i]
			s += d * d
		}
		dn := math.Sqrt(s)
		mean := (l.radii[0] + l.radii[1] + l.radii[2]) / 3
		w := math.Min(math.Max((1-dn)*mean/edgeMM+0.5, 0), 1)
		gain = math.Max(gain, w*l.gain)
		inside = inside || dn <= 1
	}
	return gain, inside
}

// biasAt returns the bias field's gain at p.
func (a anatomy) biasAt(p [3]float64) float64 {
	var lin, sq float64
	for i := range p {
		x := (p[i] - a.centre[i]) / 30
		lin += a.bias[i] * x
		sq += x * x
	}
	return math.Exp(lin + a.quad*(sq-0.3))
}

// scan images an anatomy with the site's scanner.
func scan(site Site, a anatomy, r *rand.Rand) (*nifti.Volume, *nifti.Volume) {
	n := site.Shape()
	vox := [3]float64{site.VoxelMM, site.VoxelMM, site.VoxelMM}
	img, label := nifti.New([3]int{n, n, n}, vox), nifti.New([3]int{n, n, n}, vox)
	for z := 0; z < n; z++ {
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				p := [3]float64{coord(x, n, site.VoxelMM), coord(y, n, site.VoxelMM), coord(z, n, site.VoxelMM)}
				t := a.tissue(p)
				g, inside := a.lesionAt(p)
				if t == whiteMatter || t == greyMatter {
					t += g
				} else {
					inside = false // lesions live in the parenchyma only
				}
				v := math.Abs(t*a.biasAt(p)+site.Noise*r.NormFloat64()) * site.Scale
				i := img.Index(x, y, z)
				img.Data[i] = float32(v)
				if site.Datatype != nifti.Float32 {
					img.Data[i] = float32(math.Round(v))
				}
				if inside {
					label.Data[i] = 1
				}
			}
		}
	}
	return img, label
}

// coord returns the position in mm of voxel i of n, the grid centred on 0.
func coord(i, n int, voxel float64) float64 { return (float64(i) - float64(n-1)/2) * voxel }
