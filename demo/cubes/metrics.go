package cubes

import (
	"math"
	"slices"
)

// CaseMetrics are the evaluator's metrics for one case.
type CaseMetrics struct {
	Dice        float64 `yaml:"dice"`
	HD95        float64 `yaml:"hd95_mm"`
	Sensitivity float64 `yaml:"sensitivity"`
	Specificity float64 `yaml:"specificity"`
}

// Compare computes the metrics of a predicted mask against a reference mask
// on a grid of dims voxels of the given size in mm. The conventions for empty
// masks: both empty → Dice 1 and HD95 0; exactly one empty → Dice 0 and HD95
// the diagonal of the volume in mm; an empty reference has sensitivity 1 (no
// lesion to miss), a reference with no background has specificity 1.
func Compare(pred, ref []bool, dims [3]int, voxel [3]float64) CaseMetrics {
	var tp, fp, fn, tn float64
	for i := range ref {
		switch {
		case pred[i] && ref[i]:
			tp++
		case pred[i]:
			fp++
		case ref[i]:
			fn++
		default:
			tn++
		}
	}
	m := CaseMetrics{Dice: 1, Sensitivity: 1, Specificity: 1}
	if tp+fp+fn > 0 {
		m.Dice = 2 * tp / (2*tp + fp + fn)
	}
	if tp+fn > 0 {
		m.Sensitivity = tp / (tp + fn)
	}
	if tn+fp > 0 {
		m.Specificity = tn / (tn + fp)
	}
	m.HD95 = HD95(pred, ref, dims, voxel)
	return m
}

// HD95 returns the 95th percentile of the symmetric surface distances between
// masks a and b in mm: the distances from every surface voxel of a to the
// nearest surface voxel of b and from every surface voxel of b to the nearest
// of a, pooled, the percentile interpolated linearly between order
// statistics. A surface voxel is a mask voxel with a face neighbour outside
// the mask or on the volume's border. Empty masks follow Compare's conventions.
func HD95(a, b []bool, dims [3]int, voxel [3]float64) float64 {
	sa, sb := surface(a, dims), surface(b, dims)
	switch {
	case len(sa) == 0 && len(sb) == 0:
		return 0
	case len(sa) == 0 || len(sb) == 0:
		return diagonal(dims, voxel)
	}
	da := distanceTo(sb, dims, voxel)
	db := distanceTo(sa, dims, voxel)
	d := make([]float64, 0, len(sa)+len(sb))
	for _, i := range sa {
		d = append(d, da[i])
	}
	for _, i := range sb {
		d = append(d, db[i])
	}
	return percentile(d, 95)
}

// diagonal returns the length in mm of the volume's diagonal.
func diagonal(dims [3]int, voxel [3]float64) float64 {
	var s float64
	for i := range dims {
		e := float64(dims[i]) * voxel[i]
		s += e * e
	}
	return math.Sqrt(s)
}

// surface returns the indices of the surface voxels of mask.
func surface(mask []bool, dims [3]int) []int {
	var out []int
	for i, on := range mask {
		if !on {
			continue
		}
		for _, j := range neighbours6(i, dims) {
			if j < 0 || !mask[j] {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// percentile returns the p-th percentile of xs with linear interpolation
// between the closest ranks (the usual definition of numpy and R type 7), 0
// for no values.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// median returns the median of xs (percentile 50).
func median(xs []float64) float64 { return percentile(xs, 50) }

// far stands for "no site on this line" in the distance transform; it is
// finite so that arithmetic on it never gives NaN.
const far = 1e20

// distanceTo returns, for every voxel, the Euclidean distance in mm to the
// nearest of the sites (voxel indices), by the separable exact squared
// distance transform of Felzenszwalb and Huttenlocher along each axis.
func distanceTo(sites []int, dims [3]int, voxel [3]float64) []float64 {
	n := dims[0] * dims[1] * dims[2]
	f := make([]float64, n)
	for i := range f {
		f[i] = far
	}
	for _, i := range sites {
		f[i] = 0
	}
	stride := [3]int{1, dims[0], dims[0] * dims[1]}
	for a := 0; a < 3; a++ {
		line := make([]float64, dims[a])
		for i := 0; i < n; i++ {
			if (i/stride[a])%dims[a] != 0 {
				continue
			}
			for k := range line {
				line[k] = f[i+k*stride[a]]
			}
			d := distance1D(line, voxel[a]*voxel[a])
			for k := range d {
				f[i+k*stride[a]] = d[k]
			}
		}
	}
	for i := range f {
		f[i] = math.Sqrt(f[i])
	}
	return f
}

// distance1D returns min over q of f[q] + w2·(p-q)² for every p: the lower
// envelope of parabolas rooted at each q.
func distance1D(f []float64, w2 float64) []float64 {
	n := len(f)
	v := make([]int, n)       // roots of the parabolas in the envelope
	z := make([]float64, n+1) // boundaries between them
	k := 0
	z[0], z[1] = -math.MaxFloat64, math.MaxFloat64
	meet := func(q, r int) float64 {
		return ((f[q] + w2*float64(q*q)) - (f[r] + w2*float64(r*r))) / (2 * w2 * float64(q-r))
	}
	for q := 1; q < n; q++ {
		s := meet(q, v[k])
		for s <= z[k] {
			k--
			s = meet(q, v[k])
		}
		k++
		v[k], z[k], z[k+1] = q, s, math.MaxFloat64
	}
	d := make([]float64, n)
	k = 0
	for p := 0; p < n; p++ {
		for z[k+1] < float64(p) {
			k++
		}
		dp := float64(p - v[k])
		d[p] = w2*dp*dp + f[v[k]]
	}
	return d
}
