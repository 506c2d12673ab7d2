package synth

import (
	"fmt"
	"sort"
	"testing"

	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/nifti"
)

// Model parameters as shipped in examples/demo/<model>/parameters.yaml.
const (
	threshold     = 1.45
	minComponent  = 6
	probThreshold = 0.5
)

func toMask(v *nifti.Volume) []bool {
	m := make([]bool, len(v.Data))
	for i, x := range v.Data {
		m[i] = x == 1
	}
	return m
}

// siteScores returns the mean Dice of each model on n cases of site.
func siteScores(tb testing.TB, site Site, n int, w *cubes.Weights) map[string]float64 {
	tb.Helper()
	models := map[string]func(*nifti.Volume) *nifti.Volume{
		cubes.ModelThreshold: func(v *nifti.Volume) *nifti.Volume { return cubes.Threshold(v, threshold) },
		cubes.ModelCC:        func(v *nifti.Volume) *nifti.Volume { return cubes.ThresholdCC(v, threshold, minComponent) },
		cubes.ModelLogReg:    func(v *nifti.Volume) *nifti.Volume { return w.Segment(v, probThreshold) },
	}
	per := map[string][]cubes.CaseMetrics{}
	for i := 0; i < n; i++ {
		img, label := GenerateCase(site, 7, i)
		d, l, err := cubes.PrepareCase(img, label, BenchmarkSpec)
		if err != nil {
			tb.Fatal(err)
		}
		for name, seg := range models {
			per[name] = append(per[name], cubes.Compare(toMask(seg(d)), toMask(l), l.Dims, l.Voxel))
		}
	}
	out := map[string]float64{}
	for name, ms := range per {
		out[name] = cubes.Aggregate(ms)["dice_mean"]
	}
	return out
}

func ranking(scores map[string]float64) string {
	names := make([]string, 0, len(scores))
	for n := range scores {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return scores[names[i]] > scores[names[j]] })
	return fmt.Sprint(names)
}

func TestModelsRankDifferentlyAcrossSites(t *testing.T) {
	w, err := TrainWeights()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("weights %+v", w)
	rankings := map[string]bool{}
	for _, name := range []string{"site-a", "site-b", "site-c"} {
		s := siteScores(t, Sites[name], 8, w)
		r := ranking(s)
		t.Logf("%s: %v -> %s", name, s, r)
		rankings[r] = true
	}
	if len(rankings) < 2 {
		t.Errorf("every site ranks the models the same way")
	}
}
