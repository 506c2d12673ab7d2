package cubes

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/medperf/medperf/demo/nifti"
)

// maskOf returns a mask of dims with the given voxels set.
func maskOf(dims [3]int, voxels ...[3]int) []bool {
	m := make([]bool, dims[0]*dims[1]*dims[2])
	for _, v := range voxels {
		m[v[0]+dims[0]*(v[1]+dims[1]*v[2])] = true
	}
	return m
}

// box returns the voxels of the box [lo, hi) in every axis.
func box(lo, hi [3]int) [][3]int {
	var out [][3]int
	for z := lo[2]; z < hi[2]; z++ {
		for y := lo[1]; y < hi[1]; y++ {
			for x := lo[0]; x < hi[0]; x++ {
				out = append(out, [3]int{x, y, z})
			}
		}
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestCompareHandComputed(t *testing.T) {
	dims := [3]int{4, 5, 6}
	unit := [3]float64{1, 1, 1}
	diag := math.Sqrt(4*4*1 + 5*5*4 + 6*6*9) // dims × voxel (1, 2, 3)
	tests := []struct {
		name      string
		pred, ref []bool
		voxel     [3]float64
		want      CaseMetrics
	}{
		{
			// ref: x 0..3 on the line y=0; pred: x 2..3 on the lines y=0 and y=1.
			name:  "half overlap gives Dice 0.5",
			ref:   maskOf(dims, [3]int{0, 0, 0}, [3]int{1, 0, 0}, [3]int{2, 0, 0}, [3]int{3, 0, 0}),
			pred:  maskOf(dims, [3]int{2, 0, 0}, [3]int{3, 0, 0}, [3]int{2, 1, 0}, [3]int{3, 1, 0}),
			voxel: unit,
			// TP 2, FP 2, FN 2, TN 120-6 = 114. Surfaces are all voxels. Distances
			// ref→pred: 2,1,0,0; pred→ref: 0,0,1,1. Pooled sorted: 0,0,0,0,1,1,1,2;
			// p95 at rank 0.95·7 = 6.65 → 1 + 0.65·(2-1) = 1.65.
			want: CaseMetrics{Dice: 0.5, Sensitivity: 0.5, Specificity: 114.0 / 116, HD95: 1.65},
		},
		{
			name:  "identical masks are perfect",
			ref:   maskOf(dims, box([3]int{1, 1, 1}, [3]int{3, 4, 4})...),
			pred:  maskOf(dims, box([3]int{1, 1, 1}, [3]int{3, 4, 4})...),
			voxel: [3]float64{1, 2, 3},
			want:  CaseMetrics{Dice: 1, Sensitivity: 1, Specificity: 1, HD95: 0},
		},
		{
			name:  "single voxels 3 apart along x with 2 mm voxels are 6 mm apart",
			ref:   maskOf(dims, [3]int{0, 2, 2}),
			pred:  maskOf(dims, [3]int{3, 2, 2}),
			voxel: [3]float64{2, 1, 1},
			want:  CaseMetrics{Dice: 0, Sensitivity: 0, Specificity: 118.0 / 119, HD95: 6},
		},
		{
			name:  "anisotropic voxels: 2 voxels along z of 3 mm are 6 mm",
			ref:   maskOf(dims, [3]int{1, 1, 1}),
			pred:  maskOf(dims, [3]int{1, 1, 3}),
			voxel: [3]float64{1, 1, 3},
			want:  CaseMetrics{Dice: 0, Sensitivity: 0, Specificity: 118.0 / 119, HD95: 6},
		},
		{
			// Surface distances ref→pred: 0; pred→ref: 0 and 3. Pooled 0,0,3:
			// p95 at rank 1.9 → 0 + 0.9·3 = 2.7.
			name:  "an outlier voxel is interpolated at the 95th percentile",
			ref:   maskOf(dims, [3]int{0, 0, 0}),
			pred:  maskOf(dims, [3]int{0, 0, 0}, [3]int{3, 0, 0}),
			voxel: unit,
			want:  CaseMetrics{Dice: 2.0 / 3, Sensitivity: 1, Specificity: 118.0 / 119, HD95: 2.7},
		},
		{
			name:  "both empty: Dice 1 and HD95 0",
			ref:   maskOf(dims),
			pred:  maskOf(dims),
			voxel: [3]float64{1, 2, 3},
			want:  CaseMetrics{Dice: 1, Sensitivity: 1, Specificity: 1, HD95: 0},
		},
		{
			name:  "empty prediction: Dice 0 and HD95 the diagonal",
			ref:   maskOf(dims, [3]int{1, 1, 1}),
			pred:  maskOf(dims),
			voxel: [3]float64{1, 2, 3},
			want:  CaseMetrics{Dice: 0, Sensitivity: 0, Specificity: 1, HD95: diag},
		},
		{
			name:  "empty reference: Dice 0, HD95 the diagonal, sensitivity 1",
			ref:   maskOf(dims),
			pred:  maskOf(dims, [3]int{1, 1, 1}, [3]int{2, 1, 1}),
			voxel: [3]float64{1, 2, 3},
			want:  CaseMetrics{Dice: 0, Sensitivity: 1, Specificity: 118.0 / 120, HD95: diag},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(tt.pred, tt.ref, dims, tt.voxel)
			if !near(got.Dice, tt.want.Dice) || !near(got.HD95, tt.want.HD95) ||
				!near(got.Sensitivity, tt.want.Sensitivity) || !near(got.Specificity, tt.want.Specificity) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHD95OfShiftedCubeIsTheShift(t *testing.T) {
	dims := [3]int{12, 12, 12}
	a := maskOf(dims, box([3]int{2, 2, 2}, [3]int{6, 6, 6})...)
	b := maskOf(dims, box([3]int{4, 2, 2}, [3]int{8, 6, 6})...)
	// Every surface voxel of one cube lies within 2 voxels (along x) of the
	// other's surface, most of them exactly 2 on the faces normal to x; the
	// side faces overlap. With 1.5 mm voxels no distance exceeds 3 mm.
	got := HD95(a, b, dims, [3]float64{1.5, 1, 1})
	if got <= 0 || got > 3+1e-9 {
		t.Errorf("HD95 = %v, want in (0, 3]", got)
	}
	if !near(HD95(a, a, dims, [3]float64{1.5, 1, 1}), 0) {
		t.Error("HD95 of a mask with itself is not 0")
	}
}

// TestDistanceTransformMatchesBruteForce checks the separable transform
// against the definition on random sites and anisotropic voxels.
func TestDistanceTransformMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dims := [3]int{7, 5, 6}
	voxel := [3]float64{1.2, 0.7, 2.5}
	for trial := 0; trial < 20; trial++ {
		var sites []int
		for i := 0; i < dims[0]*dims[1]*dims[2]; i++ {
			if r.Float64() < 0.03 {
				sites = append(sites, i)
			}
		}
		if len(sites) == 0 {
			continue
		}
		got := distanceTo(sites, dims, voxel)
		for i := range got {
			want := math.Inf(1)
			for _, s := range sites {
				var d float64
				for a, st := range [3]int{1, dims[0], dims[0] * dims[1]} {
					k := float64((i/st)%dims[a]-(s/st)%dims[a]) * voxel[a]
					d += k * k
				}
				want = math.Min(want, math.Sqrt(d))
			}
			if math.Abs(got[i]-want) > 1e-9 {
				t.Fatalf("trial %d voxel %d: %v, want %v", trial, i, got[i], want)
			}
		}
	}
}

func TestAggregateIsFlat(t *testing.T) {
	res := Aggregate([]CaseMetrics{
		{Dice: 0.2, HD95: 10, Sensitivity: 0.5, Specificity: 1},
		{Dice: 0.4, HD95: 2, Sensitivity: 1, Specificity: 0.9},
		{Dice: 0.9, HD95: 3, Sensitivity: 0.75, Specificity: 0.95},
	})
	want := map[string]float64{
		"n_cases": 3, "dice_mean": 0.5, "dice_median": 0.4, "hd95_mean": 5, "hd95_median": 3,
		"sensitivity_mean": 0.75, "sensitivity_median": 0.75, "specificity_mean": 0.95, "specificity_median": 0.95,
	}
	if len(res) != len(want) {
		t.Errorf("keys %v, want %v", res, want)
	}
	for k, v := range want {
		if !near(res[k], v) {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
}

func TestComponentsAreSixConnected(t *testing.T) {
	dims := [3]int{5, 5, 5}
	m := maskOf(dims, [3]int{0, 0, 0}, [3]int{1, 0, 0}, [3]int{1, 1, 0}, [3]int{3, 3, 3}, [3]int{4, 4, 4})
	_, sizes := components(m, dims)
	if len(sizes) != 4 || sizes[1]+sizes[2]+sizes[3] != 5 {
		t.Errorf("sizes %v, want three components of 5 voxels in all (diagonal voxels are not 6-connected)", sizes)
	}
}

func TestBoxMeanClipsAtEdges(t *testing.T) {
	v := nifti.New([3]int{3, 1, 1}, [3]float64{1, 1, 1})
	copy(v.Data, []float32{0, 3, 6})
	got := boxMean(v, 1)
	for i, want := range []float64{1.5, 3, 4.5} {
		if !near(got[i], want) {
			t.Errorf("mean at %d = %v, want %v", i, got[i], want)
		}
	}
}

func TestAggregateOfNoCasesIsZero(t *testing.T) {
	res := Aggregate(nil)
	if res["n_cases"] != 0 || res["dice_mean"] != 0 || res["hd95_median"] != 0 {
		t.Errorf("Aggregate(nil) = %v", res)
	}
}
