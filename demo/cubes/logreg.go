package cubes

import (
	"encoding/json"
	"math"
	"os"
	"slices"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// WeightsFile is the name of model-logreg's additional file.
const WeightsFile = "weights.json"

// Features names the per-voxel features of model-logreg, in order: the
// normalised intensity and its means over boxes of radius 1, 3 and 7 voxels,
// so that a linear model can weigh a voxel against its surroundings (which
// cancels a smooth bias field) and against noise.
var Features = []string{"intensity", "mean_r1", "mean_r3", "mean_r7"}

var featureRadii = []int{1, 3, 7}

// Weights are model-logreg's trained parameters: the probability that a
// voxel is lesion is sigmoid(Bias + Σ Weights[i]·feature[i]).
type Weights struct {
	Features []string  `json:"features"`
	Weights  []float64 `json:"weights"`
	Bias     float64   `json:"bias"`
}

// ReadWeights reads and validates a weights file.
func ReadWeights(path string) (*Weights, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, medperf.FieldError("additional_files", "cannot read %s: mount the model's additional files", WeightsFile)
	}
	var w Weights
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, medperf.FieldError("additional_files", "%s is not valid JSON", WeightsFile)
	}
	if !slices.Equal(w.Features, Features) || len(w.Weights) != len(Features) {
		return nil, medperf.FieldError("additional_files", "%s must hold one weight for each of the features %v", WeightsFile, Features)
	}
	for _, x := range append(slices.Clone(w.Weights), w.Bias) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, medperf.FieldError("additional_files", "%s holds a weight that is not finite", WeightsFile)
		}
	}
	return &w, nil
}

// featureMaps returns, for every voxel of v, its features in Features order.
func featureMaps(v *nifti.Volume) [][]float64 {
	maps := [][]float64{make([]float64, len(v.Data))}
	for i, x := range v.Data {
		maps[0][i] = float64(x)
	}
	for _, r := range featureRadii {
		maps = append(maps, boxMean(v, r))
	}
	return maps
}

// Segment returns the mask of the voxels of v whose probability exceeds p.
func (w *Weights) Segment(v *nifti.Volume, p float64) *nifti.Volume {
	f := featureMaps(v)
	out := nifti.New(v.Dims, v.Voxel)
	for i := range out.Data {
		z := w.Bias
		for k := range w.Weights {
			z += w.Weights[k] * f[k][i]
		}
		if sigmoid(z) > p {
			out.Data[i] = 1
		}
	}
	return out
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Sample is one training voxel: its features and whether it is lesion.
type Sample struct {
	X      []float64
	Lesion bool
}

// TrainingSamples returns every lesion voxel of a prepared case and every
// stride-th other voxel inside the brain (normalised intensity above 0.5),
// so that training is not swamped by background.
func TrainingSamples(v, label *nifti.Volume, stride int) []Sample {
	f := featureMaps(v)
	var out []Sample
	for i := range v.Data {
		lesion := label.Data[i] == 1
		if !lesion && (v.Data[i] <= 0.5 || i%stride != 0) {
			continue
		}
		x := make([]float64, len(f))
		for k := range f {
			x[k] = f[k][i]
		}
		out = append(out, Sample{X: x, Lesion: lesion})
	}
	return out
}

// FitLogReg fits a logistic regression to samples by Newton's method with a
// small ridge penalty; it is deterministic for a given sample order.
func FitLogReg(samples []Sample, iterations int) *Weights {
	n := len(Features) + 1 // weights then bias
	beta := make([]float64, n)
	row := func(s Sample) []float64 { return append(slices.Clone(s.X), 1) }
	for it := 0; it < iterations; it++ {
		grad := make([]float64, n)
		hess := make([][]float64, n)
		for i := range hess {
			hess[i] = make([]float64, n)
			hess[i][i] = 1e-3 // ridge
		}
		for _, s := range samples {
			x := row(s)
			z := 0.0
			for k := range x {
				z += beta[k] * x[k]
			}
			p := sigmoid(z)
			y := 0.0
			if s.Lesion {
				y = 1
			}
			for a := range x {
				grad[a] += (p - y) * x[a]
				for b := range x {
					hess[a][b] += p * (1 - p) * x[a] * x[b]
				}
			}
		}
		for a := range beta {
			grad[a] += 1e-3 * beta[a]
		}
		step := solve(hess, grad)
		for a := range beta {
			beta[a] -= step[a]
		}
	}
	return &Weights{Features: slices.Clone(Features), Weights: beta[:n-1], Bias: beta[n-1]}
}

// solve returns x with a·x = b by Gaussian elimination with partial pivoting.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(slices.Clone(a[i]), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}
