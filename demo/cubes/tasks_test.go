package cubes_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/nifti"
	"github.com/medperf/medperf/demo/synth"
)

const nCases = 5

// dataset is a prepared dataset on disk with the mounts that produced it.
type dataset struct {
	root, raw, data, labels string
}

// mkdirs creates and returns root/name for every name.
func mkdirs(tb testing.TB, root string, names ...string) []string {
	tb.Helper()
	var out []string
	for _, n := range names {
		p := filepath.Join(root, n)
		if err := os.MkdirAll(p, 0o755); err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func params(cube string) string { return filepath.Join(examples, cube, "parameters.yaml") }

var (
	shared     dataset
	sharedOnce sync.Once
	sharedErr  error
)

// MustPrepare returns nCases cases of site-a, generated and prepared once for
// the whole test binary: callers must not change it (copyDataset first).
func MustPrepare(tb testing.TB) dataset {
	tb.Helper()
	sharedOnce.Do(func() {
		root, err := os.MkdirTemp("", "cubes-test-")
		if err != nil {
			sharedErr = err
			return
		}
		shared, sharedErr = prepareIn(root)
	})
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
	os.Exit(code)
}

// MustPrepareOwn generates and prepares a dataset the caller may change.
func MustPrepareOwn(tb testing.TB) dataset {
	tb.Helper()
	d, err := prepareIn(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// prepareIn generates nCases cases of site-a under root and prepares them.
func prepareIn(root string) (dataset, error) {
	d := dataset{root: root, raw: filepath.Join(root, "raw")}
	if err := synth.WriteDataset(d.raw, synth.Sites["site-a"], nCases, 3); err != nil {
		return d, err
	}
	var dirs []string
	for _, n := range []string{"data", "labels", "metadata", "report"} {
		dirs = append(dirs, filepath.Join(root, n))
		if err := os.MkdirAll(dirs[len(dirs)-1], 0o755); err != nil {
			return d, err
		}
	}
	d.data, d.labels = dirs[0], dirs[1]
	err := cubes.Run(cubes.Preparator, "prepare", cubes.Mounts{
		"data_path": filepath.Join(d.raw, "data"), "labels_path": filepath.Join(d.raw, "labels"),
		"parameters_file": params(cubes.Preparator), "output_path": d.data, "output_labels_path": d.labels,
		"metadata_path": dirs[2], "report_file": filepath.Join(dirs[3], "report.yaml"),
	}, io.Discard)
	return d, err
}

func (d dataset) mounts() cubes.Mounts {
	return cubes.Mounts{"data_path": d.data, "labels_path": d.labels, "parameters_file": params(cubes.Preparator),
		"metadata_path": filepath.Join(d.root, "metadata")}
}

func readYAML(tb testing.TB, path string, v any) {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		tb.Fatal(err)
	}
}

func TestPrepareResamplesNormalisesAndReports(t *testing.T) {
	d := MustPrepare(t)
	for i := 0; i < nCases; i++ {
		v, err := nifti.ReadFile(filepath.Join(d.data, synth.CaseName(i)+".nii.gz"))
		if err != nil {
			t.Fatal(err)
		}
		if v.Dims != synth.BenchmarkSpec.TargetShape || v.Voxel != synth.BenchmarkSpec.TargetVoxelMM {
			t.Errorf("case %d: %v voxels of %v mm", i, v.Dims, v.Voxel)
		}
		var maxv float32
		for _, x := range v.Data {
			maxv = max(maxv, x)
		}
		if maxv < 1 || maxv > 5 {
			t.Errorf("case %d: maximum %v after normalisation, want a few times white matter (1)", i, maxv)
		}
	}
	var rep struct{ Total, Prepared int }
	readYAML(t, filepath.Join(d.root, "report", "report.yaml"), &rep)
	if rep.Total != nCases || rep.Prepared != nCases {
		t.Errorf("report %+v", rep)
	}
	if err := cubes.Run(cubes.Preparator, "sanity_check", d.mounts(), io.Discard); err != nil {
		t.Errorf("sanity check of freshly prepared data: %v", err)
	}
}

func TestPrepareFailsWithoutHalfWrittenOutput(t *testing.T) {
	d := MustPrepareOwn(t)
	// Give the last case a label of another shape.
	bad := nifti.New([3]int{4, 4, 4}, [3]float64{1, 1, 1})
	bad.Data[0] = 1
	if err := nifti.WriteFile(filepath.Join(d.raw, "labels", synth.CaseName(nCases-1)+".nii.gz"), bad, nifti.Uint8); err != nil {
		t.Fatal(err)
	}
	out := mkdirs(t, t.TempDir(), "data", "labels")
	err := cubes.Run(cubes.Preparator, "prepare", cubes.Mounts{
		"data_path": filepath.Join(d.raw, "data"), "labels_path": filepath.Join(d.raw, "labels"),
		"parameters_file": params(cubes.Preparator), "output_path": out[0], "output_labels_path": out[1],
	}, io.Discard)
	if medperf.ErrorCode(err) != medperf.CodeInvalid || !strings.Contains(medperf.ErrorMessage(err), synth.CaseName(nCases-1)) {
		t.Errorf("err %v, want invalid naming the case", err)
	}
	for _, dir := range out {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%d files left behind in %s", len(entries), filepath.Base(dir))
		}
	}
}

func writeParams(tb testing.TB, text string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "parameters.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestPrepareRefusesBadParameters(t *testing.T) {
	d := MustPrepare(t)
	for name, text := range map[string]string{
		"unknown key":     "target_shape: [32, 32, 32]\ntarget_voxel_mm: [2, 2, 2]\ncolour: red\n",
		"zero size":       "target_shape: [0, 32, 32]\ntarget_voxel_mm: [2, 2, 2]\n",
		"negative voxel":  "target_shape: [32, 32, 32]\ntarget_voxel_mm: [2, -2, 2]\n",
		"missing spec":    "# nothing\n",
		"not YAML at all": "target_shape: [32, 32\n",
	} {
		t.Run(name+" is invalid", func(t *testing.T) {
			m := d.mounts()
			m["parameters_file"] = writeParams(t, text)
			if err := cubes.Run(cubes.Preparator, "sanity_check", m, io.Discard); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
		})
	}
}

// copyDataset copies d's prepared data, labels and metadata to a new root.
func copyDataset(tb testing.TB, d dataset) dataset {
	tb.Helper()
	c := dataset{root: tb.TempDir()}
	dirs := mkdirs(tb, c.root, "data", "labels", "metadata")
	c.data, c.labels = dirs[0], dirs[1]
	for i, src := range []string{d.data, d.labels, filepath.Join(d.root, "metadata")} {
		entries, _ := os.ReadDir(src)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dirs[i], e.Name()), b, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return c
}

// editCase rewrites one volume of a dataset through f.
func editCase(tb testing.TB, dir string, i int, f func(v *nifti.Volume) (*nifti.Volume, nifti.Datatype)) {
	tb.Helper()
	p := filepath.Join(dir, synth.CaseName(i)+".nii.gz")
	v, err := nifti.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	w, dt := f(v)
	if err := nifti.WriteFile(p, w, dt); err != nil {
		tb.Fatal(err)
	}
}

func TestSanityCheckRefuses(t *testing.T) {
	d := MustPrepare(t)
	tests := []struct {
		name   string
		break_ func(t testing.TB, c dataset)
	}{
		{"an image of the wrong shape", func(t testing.TB, c dataset) {
			editCase(t, c.data, 1, func(v *nifti.Volume) (*nifti.Volume, nifti.Datatype) {
				return nifti.New([3]int{32, 32, 30}, v.Voxel), nifti.Float32
			})
		}},
		{"a label of the wrong voxel size", func(t testing.TB, c dataset) {
			editCase(t, c.labels, 2, func(v *nifti.Volume) (*nifti.Volume, nifti.Datatype) {
				v.Voxel[2] = 2.5
				return v, nifti.Uint8
			})
		}},
		{"a label value of 2", func(t testing.TB, c dataset) {
			editCase(t, c.labels, 0, func(v *nifti.Volume) (*nifti.Volume, nifti.Datatype) {
				v.Data[0] = 2
				return v, nifti.Uint8
			})
		}},
		{"an empty label", func(t testing.TB, c dataset) {
			editCase(t, c.labels, 3, func(v *nifti.Volume) (*nifti.Volume, nifti.Datatype) {
				return nifti.New(v.Dims, v.Voxel), nifti.Uint8
			})
		}},
		{"a NaN in an image", func(t testing.TB, c dataset) {
			v := nifti.New(synth.BenchmarkSpec.TargetShape, synth.BenchmarkSpec.TargetVoxelMM)
			v.Data[0] = 1
			var buf bytes.Buffer
			nifti.Write(&buf, v, nifti.Float32)
			b := buf.Bytes()
			binary.LittleEndian.PutUint32(b[352+4*5:], math.Float32bits(float32(math.NaN())))
			os.Remove(filepath.Join(c.data, synth.CaseName(0)+".nii.gz"))
			os.WriteFile(filepath.Join(c.data, synth.CaseName(0)+".nii"), b, 0o644)
		}},
		{"a missing label", func(t testing.TB, c dataset) { os.Remove(filepath.Join(c.labels, synth.CaseName(4)+".nii.gz")) }},
		{"a label without image", func(t testing.TB, c dataset) { os.Remove(filepath.Join(c.data, synth.CaseName(4)+".nii.gz")) }},
		{"a corrupt image", func(t testing.TB, c dataset) {
			os.WriteFile(filepath.Join(c.data, synth.CaseName(1)+".nii.gz"), []byte("not a volume"), 0o644)
		}},
		{"no cases at all", func(t testing.TB, c dataset) {
			for i := 0; i < nCases; i++ {
				os.Remove(filepath.Join(c.data, synth.CaseName(i)+".nii.gz"))
				os.Remove(filepath.Join(c.labels, synth.CaseName(i)+".nii.gz"))
			}
		}},
		{"metadata that disagrees", func(t testing.TB, c dataset) {
			os.WriteFile(filepath.Join(c.root, "metadata", "metadata.yaml"), []byte("cases: 9\n"), 0o644)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails the check", func(t *testing.T) {
			c := copyDataset(t, d)
			tt.break_(t, c)
			err := cubes.Run(cubes.Preparator, "sanity_check", c.mounts(), io.Discard)
			t.Logf("message: %s", medperf.ErrorMessage(err))
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
			out := filepath.Join(t.TempDir(), "statistics.yaml")
			m := c.mounts()
			m["output_path"] = out
			if err := cubes.Run(cubes.Preparator, "statistics", m, io.Discard); err == nil {
				t.Error("statistics ran on data that fails the sanity check")
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("statistics.yaml written for data that fails the sanity check")
			}
		})
	}
}

// mustStatistics runs the statistics task and returns the file's text.
func mustStatistics(tb testing.TB, d dataset) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "statistics.yaml")
	m := d.mounts()
	m["output_path"] = out
	if err := cubes.Run(cubes.Preparator, "statistics", m, io.Discard); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestStatisticsHoldNothingPerCase(t *testing.T) {
	d := MustPrepare(t)
	text := mustStatistics(t, d)
	var st cubes.Statistics
	if err := yaml.Unmarshal([]byte(text), &st); err != nil {
		t.Fatal(err)
	}
	if st.Cases != nCases || st.Shape != synth.BenchmarkSpec.TargetShape {
		t.Errorf("statistics %+v", st)
	}
	if total := sumInts(st.LesionVolumeML.BinCounts); total != nCases {
		t.Errorf("lesion volume histogram counts %d cases, want %d", total, nCases)
	}
	if st.LesionVolumeML.Mean <= 0 || st.LesionIntensity.Mean <= st.BrainIntensity.Mean {
		t.Errorf("implausible statistics: %+v", st)
	}
	if strings.Contains(text, "case") && strings.Contains(text, "case-") {
		t.Errorf("statistics name a case:\n%s", text)
	}
	var generic map[string]any
	yaml.Unmarshal([]byte(text), &generic)
	for k, v := range generic {
		if m, ok := v.(map[string]any); ok {
			for kk, vv := range m {
				if l, ok := vv.([]any); ok && len(l) == nCases {
					t.Errorf("%s.%s is a list of one value per case", k, kk)
				}
			}
		}
	}
	// Rename every case: the statistics must not change at all.
	c := copyDataset(t, d)
	for i := 0; i < nCases; i++ {
		for _, dir := range []string{c.data, c.labels} {
			os.Rename(filepath.Join(dir, synth.CaseName(i)+".nii.gz"), filepath.Join(dir, "renamed-"+synth.CaseName(nCases-1-i)+"x.nii.gz"))
		}
	}
	if again := mustStatistics(t, c); again != text {
		t.Errorf("statistics depend on case names:\n%s\nvs\n%s", text, again)
	}
}

func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestInferWritesOneMaskPerCase(t *testing.T) {
	d := MustPrepare(t)
	for _, model := range []string{cubes.ModelThreshold, cubes.ModelCC, cubes.ModelLogReg} {
		t.Run(model, func(t *testing.T) {
			out := t.TempDir()
			err := cubes.Run(model, "infer", cubes.Mounts{"data_path": d.data, "parameters_file": params(model),
				"additional_files": filepath.Join(examples, model, "additional_files"), "output_path": out}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < nCases; i++ {
				v, err := nifti.ReadFile(filepath.Join(out, synth.CaseName(i)+".nii.gz"))
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range v.Data {
					if x != 0 && x != 1 {
						t.Fatalf("mask holds %v", x)
					}
				}
			}
		})
	}
}

func TestInferRefuses(t *testing.T) {
	d := MustPrepare(t)
	tests := []struct {
		name, model, params, extra string
	}{
		{"logreg without its weights", cubes.ModelLogReg, "probability_threshold: 0.5\n", t.TempDir()},
		{"logreg with a probability of 1", cubes.ModelLogReg, "probability_threshold: 1\n", filepath.Join(examples, cubes.ModelLogReg, "additional_files")},
		{"a negative threshold", cubes.ModelThreshold, "threshold: -1\n", ""},
		{"cleanup of zero voxels", cubes.ModelCC, "threshold: 1.5\nmin_component_voxels: 0\n", ""},
		{"a misspelt parameter", cubes.ModelThreshold, "treshold: 1.5\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			out := t.TempDir()
			err := cubes.Run(tt.model, "infer", cubes.Mounts{"data_path": d.data, "parameters_file": writeParams(t, tt.params),
				"additional_files": tt.extra, "output_path": out}, io.Discard)
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("wrote %d predictions", len(entries))
			}
		})
	}
	t.Run("bad weights are invalid", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, cubes.WeightsFile), []byte(`{"features":["intensity"],"weights":[1],"bias":0}`), 0o644)
		err := cubes.Run(cubes.ModelLogReg, "infer", cubes.Mounts{"data_path": d.data, "parameters_file": params(cubes.ModelLogReg),
			"additional_files": dir, "output_path": t.TempDir()}, io.Discard)
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("err %v, want invalid", err)
		}
	})
}

// evaluate runs the evaluator on predictions against d's labels.
func evaluate(tb testing.TB, d dataset, pred, paramsFile string) (string, string, error) {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "results.yaml")
	local := tb.TempDir()
	err := cubes.Run(cubes.Evaluator, "evaluate", cubes.Mounts{"predictions": pred, "labels": d.labels,
		"parameters_file": paramsFile, "output_path": out, "local_outputs_path": local}, io.Discard)
	return out, local, err
}

func TestEvaluateWritesFlatResultsAndKeepsCasesLocal(t *testing.T) {
	d := MustPrepare(t)
	// The labels as predictions: every metric is perfect.
	resultsPath, local, err := evaluate(t, d, d.labels, params(cubes.Evaluator))
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]float64
	readYAML(t, resultsPath, &res)
	want := map[string]float64{"n_cases": nCases}
	for _, m := range cubes.MetricNames {
		perfect := 1.0
		if m == "hd95" {
			perfect = 0
		}
		want[m+"_mean"], want[m+"_median"] = perfect, perfect
	}
	if len(res) != len(want) {
		t.Errorf("results %v, want exactly the keys of %v", res, want)
	}
	for k, v := range want {
		if got, ok := res[k]; !ok || got != v {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	b, _ := os.ReadFile(resultsPath)
	if strings.Contains(string(b), "case-") {
		t.Errorf("results.yaml names a case:\n%s", b)
	}
	var per []struct {
		Case string
		Dice float64
	}
	readYAML(t, filepath.Join(local, "per_case.yaml"), &per)
	if len(per) != nCases || per[0].Case != synth.CaseName(0) || per[0].Dice != 1 {
		t.Errorf("per-case file %v", per)
	}
}

func TestEvaluateRefuses(t *testing.T) {
	d := MustPrepare(t)
	mkpred := func(f func(dir string)) string {
		c := copyDataset(t, d)
		f(c.labels)
		return c.labels
	}
	tests := []struct {
		name, pred, params string
	}{
		{"a missing prediction", mkpred(func(dir string) { os.Remove(filepath.Join(dir, synth.CaseName(2)+".nii.gz")) }), ""},
		{"a prediction of another shape", mkpred(func(dir string) {
			nifti.WriteFile(filepath.Join(dir, synth.CaseName(1)+".nii.gz"), nifti.New([3]int{2, 2, 2}, [3]float64{2, 2, 2}), nifti.Uint8)
		}), ""},
		{"a prediction that is not a mask", mkpred(func(dir string) {
			v := nifti.New(synth.BenchmarkSpec.TargetShape, synth.BenchmarkSpec.TargetVoxelMM)
			v.Data[0] = 0.5
			nifti.WriteFile(filepath.Join(dir, synth.CaseName(0)+".nii.gz"), v, nifti.Float32)
		}), ""},
		{"a parameter the evaluator does not take", d.labels, "hd_percentile: 90\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			p := params(cubes.Evaluator)
			if tt.params != "" {
				p = writeParams(t, tt.params)
			}
			out, _, err := evaluate(t, d, tt.pred, p)
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("results.yaml written despite the failure")
			}
		})
	}
}

func TestRunRefusesUnknownNames(t *testing.T) {
	tests := []struct {
		name, cube, task string
		m                cubes.Mounts
	}{
		{"unknown cube", "model-magic", "infer", nil},
		{"unknown task", cubes.Evaluator, "infer", nil},
		{"unknown mount key", cubes.Evaluator, "evaluate", cubes.Mounts{"data_path": "/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			if err := cubes.Run(tt.cube, tt.task, tt.m, io.Discard); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
		})
	}
}
