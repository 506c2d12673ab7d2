package cubes

import (
	"fmt"
	"io"
	"math"

	"github.com/medperf/medperf"
)

// Statistics is what the statistics task writes: counts and distributions
// over the whole dataset, never a value of one case.
type Statistics struct {
	Cases          int          `yaml:"n_cases"`
	Shape          [3]int       `yaml:"shape"`
	VoxelMM        [3]float64   `yaml:"voxel_mm"`
	LesionVolumeML Distribution `yaml:"lesion_volume_ml"`
	LesionsPerCase Distribution `yaml:"lesions_per_case"`
	// Intensity moments of the prepared images, pooled over all voxels of
	// every case: brain (foreground, outside lesions) and lesion voxels.
	BrainIntensity  Moments `yaml:"brain_intensity"`
	LesionIntensity Moments `yaml:"lesion_intensity"`
}

// Distribution summarises a per-case quantity: mean, standard deviation and
// a histogram (counts of cases per bin), but no minimum, maximum or quantile,
// which would be one case's value.
type Distribution struct {
	Mean      float64   `yaml:"mean"`
	SD        float64   `yaml:"sd"`
	BinEdges  []float64 `yaml:"bin_edges"` // bin i is [edges[i], edges[i+1]), the last bin is open
	BinCounts []int     `yaml:"bin_counts"`
}

// Moments are the mean and standard deviation of pooled voxel values.
type Moments struct {
	Mean float64 `yaml:"mean"`
	SD   float64 `yaml:"sd"`
}

var (
	volumeBins = []float64{0, 0.25, 0.5, 1, 2, 4, 8}
	countBins  = []float64{0, 1, 2, 3, 5, 8}
)

func runStatistics(m Mounts, out io.Writer) error {
	if err := runSanityCheck(m, io.Discard); err != nil {
		return err
	}
	s, _ := readSpec(m["parameters_file"]) // validated by the sanity check
	cases, dataFiles, labelFiles, _ := pairedCases(m["data_path"], "data_path", m["labels_path"], "labels_path")
	st := Statistics{Cases: len(cases), Shape: s.TargetShape, VoxelMM: s.TargetVoxelMM}
	voxelML := s.TargetVoxelMM[0] * s.TargetVoxelMM[1] * s.TargetVoxelMM[2] / 1000
	var volumes, counts []float64
	var brain, lesion accumulator
	for _, c := range cases {
		d, err := readCase(m["data_path"], dataFiles[c], c)
		if err != nil {
			return err
		}
		l, err := readCase(m["labels_path"], labelFiles[c], c)
		if err != nil {
			return err
		}
		mask := make([]bool, len(l.Data))
		n := 0
		for i, x := range l.Data {
			mask[i] = x == 1
			if mask[i] {
				n++
				lesion.add(float64(d.Data[i]))
			} else if d.Data[i] > 0.5 {
				brain.add(float64(d.Data[i]))
			}
		}
		_, sizes := components(mask, l.Dims)
		volumes = append(volumes, float64(n)*voxelML)
		counts = append(counts, float64(len(sizes)-1))
	}
	st.LesionVolumeML = distribution(volumes, volumeBins)
	st.LesionsPerCase = distribution(counts, countBins)
	st.BrainIntensity, st.LesionIntensity = brain.moments(), lesion.moments()
	if err := requireParent(m["output_path"]); err != nil {
		return err
	}
	if err := writeYAML(m["output_path"], st); err != nil {
		return err
	}
	fmt.Fprintf(out, "statistics of %d cases written\n", len(cases))
	return nil
}

func requireParent(path string) error {
	if !present(path, true) {
		return medperf.FieldError("output_path", "the directory of the statistics file does not exist: mount it (or pass --output_path)")
	}
	return nil
}

// distribution summarises xs with the given bin edges.
func distribution(xs, edges []float64) Distribution {
	var a accumulator
	d := Distribution{BinEdges: edges, BinCounts: make([]int, len(edges))}
	for _, x := range xs {
		a.add(x)
		for b := len(edges) - 1; b >= 0; b-- {
			if x >= edges[b] {
				d.BinCounts[b]++
				break
			}
		}
	}
	mo := a.moments()
	d.Mean, d.SD = mo.Mean, mo.SD
	return d
}

// accumulator computes a mean and standard deviation in one pass (Welford).
type accumulator struct {
	n    int
	mean float64
	m2   float64
}

func (a *accumulator) add(x float64) {
	a.n++
	d := x - a.mean
	a.mean += d / float64(a.n)
	a.m2 += d * (x - a.mean)
}

func (a *accumulator) moments() Moments {
	if a.n == 0 {
		return Moments{}
	}
	return Moments{Mean: round6(a.mean), SD: round6(math.Sqrt(a.m2 / float64(a.n)))}
}

// round6 rounds to six significant decimals, so that statistics files are
// stable and readable.
func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
