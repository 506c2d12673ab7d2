package cubes

import (
	"math"
	"slices"

	"github.com/medperf/medperf/demo/nifti"
)

// resample maps v onto a grid of the given shape and voxel size, both grids
// centred on the same point, by trilinear interpolation; points outside v
// read as 0.
func resample(v *nifti.Volume, shape [3]int, voxel [3]float64) *nifti.Volume {
	out := nifti.New(shape, voxel)
	// For each axis, the source coordinate of every target index.
	var coord [3][]float64
	for a := 0; a < 3; a++ {
		coord[a] = make([]float64, shape[a])
		for i := range coord[a] {
			p := (float64(i) - float64(shape[a]-1)/2) * voxel[a]
			coord[a][i] = p/v.Voxel[a] + float64(v.Dims[a]-1)/2
		}
	}
	for z := 0; z < shape[2]; z++ {
		for y := 0; y < shape[1]; y++ {
			for x := 0; x < shape[0]; x++ {
				out.Data[out.Index(x, y, z)] = float32(trilinear(v, coord[0][x], coord[1][y], coord[2][z]))
			}
		}
	}
	return out
}

// trilinear interpolates v at fractional index (fx, fy, fz).
func trilinear(v *nifti.Volume, fx, fy, fz float64) float64 {
	x0, y0, z0 := int(math.Floor(fx)), int(math.Floor(fy)), int(math.Floor(fz))
	dx, dy, dz := fx-float64(x0), fy-float64(y0), fz-float64(z0)
	var sum float64
	for k := 0; k < 2; k++ {
		wz := 1 - dz
		if k == 1 {
			wz = dz
		}
		for j := 0; j < 2; j++ {
			wy := 1 - dy
			if j == 1 {
				wy = dy
			}
			for i := 0; i < 2; i++ {
				wx := 1 - dx
				if i == 1 {
					wx = dx
				}
				w := wx * wy * wz
				if w == 0 {
					continue
				}
				sum += w * at(v, x0+i, y0+j, z0+k)
			}
		}
	}
	return sum
}

// at returns v at an integer index, 0 outside the volume.
func at(v *nifti.Volume, x, y, z int) float64 {
	if x < 0 || y < 0 || z < 0 || x >= v.Dims[0] || y >= v.Dims[1] || z >= v.Dims[2] {
		return 0
	}
	return float64(v.Data[v.Index(x, y, z)])
}

// binarize sets every voxel to 1 where it is at least 0.5, else 0.
func binarize(v *nifti.Volume) {
	for i, x := range v.Data {
		if x >= 0.5 {
			v.Data[i] = 1
		} else {
			v.Data[i] = 0
		}
	}
}

// normalize divides v by the median of its foreground (the voxels above the
// volume's mean), so that the typical tissue reads 1 whatever the scanner's
// scale. It returns false when v has no foreground.
func normalize(v *nifti.Volume) bool {
	var mean float64
	for _, x := range v.Data {
		mean += float64(x)
	}
	mean /= float64(len(v.Data))
	var fg []float32
	for _, x := range v.Data {
		if float64(x) > mean {
			fg = append(fg, x)
		}
	}
	if len(fg) == 0 {
		return false
	}
	slices.Sort(fg)
	med := float64(fg[len(fg)/2])
	if !(med > 0) {
		return false
	}
	for i, x := range v.Data {
		v.Data[i] = float32(float64(x) / med)
	}
	return true
}

// boxMean returns the mean of v over a (2r+1)³ box around every voxel, the
// box clipped at the volume's edges. It runs in three separable passes.
func boxMean(v *nifti.Volume, r int) []float64 {
	cur := make([]float64, len(v.Data))
	cnt := make([]float64, len(v.Data))
	for i, x := range v.Data {
		cur[i], cnt[i] = float64(x), 1
	}
	stride := [3]int{1, v.Dims[0], v.Dims[0] * v.Dims[1]}
	for a := 0; a < 3; a++ {
		cur = boxPass(cur, v.Dims, stride, a, r)
		cnt = boxPass(cnt, v.Dims, stride, a, r)
	}
	for i := range cur {
		cur[i] /= cnt[i]
	}
	return cur
}

// boxPass sums in over a window of radius r along axis a.
func boxPass(in []float64, dims [3]int, stride [3]int, a, r int) []float64 {
	out := make([]float64, len(in))
	n := dims[a]
	line := make([]float64, n+1) // prefix sums of one line
	for i := range in {
		if (i/stride[a])%n != 0 {
			continue // start lines only at their first voxel along a
		}
		for k := 0; k < n; k++ {
			line[k+1] = line[k] + in[i+k*stride[a]]
		}
		for k := 0; k < n; k++ {
			lo, hi := max(k-r, 0), min(k+r+1, n)
			out[i+k*stride[a]] = line[hi] - line[lo]
		}
	}
	return out
}

// components labels the 6-connected components of the non-zero voxels of
// mask and returns each voxel's component number (0 for background) and the
// size of every component (sizes[0] unused).
func components(mask []bool, dims [3]int) ([]int, []int) {
	label := make([]int, len(mask))
	sizes := []int{0}
	stack := []int{}
	for seed, on := range mask {
		if !on || label[seed] != 0 {
			continue
		}
		id := len(sizes)
		sizes = append(sizes, 0)
		label[seed] = id
		stack = append(stack[:0], seed)
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			sizes[id]++
			for _, j := range neighbours6(i, dims) {
				if j >= 0 && mask[j] && label[j] == 0 {
					label[j] = id
					stack = append(stack, j)
				}
			}
		}
	}
	return label, sizes
}

// neighbours6 returns the indices of the six face neighbours of voxel i, -1
// for those outside the volume.
func neighbours6(i int, dims [3]int) [6]int {
	x, y, z := i%dims[0], (i/dims[0])%dims[1], i/(dims[0]*dims[1])
	nb := [6]int{-1, -1, -1, -1, -1, -1}
	sx, sy := 1, dims[0]
	sz := dims[0] * dims[1]
	if x > 0 {
		nb[0] = i - sx
	}
	if x < dims[0]-1 {
		nb[1] = i + sx
	}
	if y > 0 {
		nb[2] = i - sy
	}
	if y < dims[1]-1 {
		nb[3] = i + sy
	}
	if z > 0 {
		nb[4] = i - sz
	}
	if z < dims[2]-1 {
		nb[5] = i + sz
	}
	return nb
}
