package synth

import (
	"github.com/medperf/medperf/demo/cubes"
)

// Training set-up of model-logreg's weights.
const (
	TrainSeed   = 20260101
	trainCases  = 10
	trainStride = 5
	trainIters  = 15
)

// TrainWeights trains model-logreg on the "train" site's cases, prepared by
// the benchmark's preparator, and returns its weights. The result depends only
// on the code, so that the shipped weights.json can be checked against it.
func TrainWeights() (*cubes.Weights, error) {
	site := Sites["train"]
	var samples []cubes.Sample
	for i := 0; i < trainCases; i++ {
		img, label, err := GenerateCase(site, TrainSeed, i)
		if err != nil {
			return nil, err
		}
		d, l, err := cubes.PrepareCase(img, label, BenchmarkSpec)
		if err != nil {
			return nil, err
		}
		samples = append(samples, cubes.TrainingSamples(d, l, trainStride)...)
	}
	return cubes.FitLogReg(samples, trainIters), nil
}
