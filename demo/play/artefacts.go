package play

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/synth"
)

// Parameters returns the parameters.yaml of a reference cube as the JSON
// the registry stores: the same values as examples/demo/<cube>/parameters.yaml
// (a test checks it), built in so that the demo needs no source tree.
func Parameters(cube string) json.RawMessage {
	var v any
	switch cube {
	case cubes.Preparator:
		v = map[string]any{"target_shape": synth.BenchmarkSpec.TargetShape, "target_voxel_mm": synth.BenchmarkSpec.TargetVoxelMM}
	case cubes.ModelThreshold:
		v = map[string]any{"threshold": 1.45}
	case cubes.ModelCC:
		v = map[string]any{"threshold": 1.45, "min_component_voxels": 6}
	case cubes.ModelLogReg:
		v = map[string]any{"probability_threshold": 0.5}
	default:
		v = map[string]any{}
	}
	b, _ := json.Marshal(v)
	return b
}

// Metrics is the benchmark's metrics declaration: Dice, sensitivity and
// specificity (means and medians) higher-is-better in [0, 1], HD95 in mm
// lower-is-better and >= 0, the mean Dice primary, and n_cases the case
// count.
func Metrics() medperf.MetricSet {
	zero, one := 0.0, 1.0
	set := medperf.MetricSet{CasesMetric: "n_cases"}
	for _, m := range cubes.MetricNames {
		for _, stat := range []string{"mean", "median"} {
			spec := medperf.MetricSpec{Name: m + "_" + stat, Direction: medperf.HigherIsBetter, Min: &zero, Max: &one}
			if m == "hd95" {
				spec.Direction, spec.Max = medperf.LowerIsBetter, nil
			}
			spec.Primary = spec.Name == PrimaryMetric
			set.Metrics = append(set.Metrics, spec)
		}
	}
	return set
}

// PrimaryMetric is the metric the leaderboard ranks by.
const PrimaryMetric = "dice_mean"

// hosted are the files owners publish for data owners to download: the
// benchmark's demo tarball and model-logreg's weights.
type hosted struct {
	dir, url string
	srv      *http.Server
}

// host writes the hosted files under dir and serves them on a loopback
// port, as a benchmark owner's and a model owner's web space would.
func host(dir string, seed uint64) (*hosted, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot create " + dir, Err: err}
	}
	var demo bytes.Buffer
	if err := synth.WriteDemoTarball(&demo, seed); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	weights, err := weightsTarball()
	if err != nil {
		return nil, err
	}
	for name, b := range map[string][]byte{demoFile: demo.Bytes(), weightsFile: weights} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot write " + name, Err: err}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeUnavailable, Message: "cannot listen on a loopback port for the hosted files", Err: err}
	}
	h := &hosted{dir: dir, url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}}
	go h.srv.Serve(ln)
	return h, nil
}

// The hosted files' names.
const (
	demoFile    = "demo.tar.gz"
	weightsFile = "model-logreg-weights.tar.gz"
)

// weightsTarball packs the trained weights of model-logreg as its
// additional-files tarball.
func weightsTarball() ([]byte, error) {
	w, err := synth.TrainWeights()
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	body, err := json.MarshalIndent(w, "", "  ")
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err = tw.WriteHeader(&tar.Header{Name: cubes.WeightsFile, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)})
	if err == nil {
		_, err = tw.Write(body)
	}
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return buf.Bytes(), nil
}
