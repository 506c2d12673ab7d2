package cubes

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/medperf/medperf"
)

// EvaluatorParams are the evaluator's parameters; it has none, and refuses
// any key so that a benchmark cannot believe it changed the metrics.
type EvaluatorParams struct{}

// MetricNames lists the evaluator's per-case metrics; results.yaml holds
// <name>_mean and <name>_median of each, and n_cases.
var MetricNames = []string{"dice", "hd95", "sensitivity", "specificity"}

// caseResult is one line of the local per-case file.
type caseResult struct {
	Case        string `yaml:"case"`
	CaseMetrics `yaml:",inline"`
}

func runEvaluate(m Mounts, out io.Writer) error {
	var p EvaluatorParams
	if err := readParameters(m["parameters_file"], &p); err != nil {
		return err
	}
	cases, labelFiles, err := listCases(m["labels"], "labels")
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		return medperf.FieldError("labels", "no .nii or .nii.gz labels found")
	}
	_, predFiles, err := listCases(m["predictions"], "predictions")
	if err != nil {
		return err
	}
	var per []caseResult
	for _, c := range cases {
		if predFiles[c] == "" {
			return medperf.FieldError("predictions", "case %s has no prediction", c)
		}
		cm, err := evaluateCase(m, c, predFiles[c], labelFiles[c])
		if err != nil {
			return err
		}
		per = append(per, caseResult{Case: c, CaseMetrics: cm})
	}
	if !present(m["output_path"], true) {
		return medperf.FieldError("output_path", "the directory of results.yaml does not exist: mount it (or pass --output_path)")
	}
	metrics := make([]CaseMetrics, len(per))
	for i, r := range per {
		metrics[i] = r.CaseMetrics
	}
	if err := writeYAML(m["output_path"], Aggregate(metrics)); err != nil {
		return err
	}
	if present(m["local_outputs_path"], false) {
		if err := writeYAML(filepath.Join(m["local_outputs_path"], "per_case.yaml"), per); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "evaluated %d cases\n", len(cases))
	return nil
}

// evaluateCase compares one prediction with its label.
func evaluateCase(m Mounts, c, predFile, labelFile string) (CaseMetrics, error) {
	l, err := readCase(m["labels"], labelFile, c)
	if err != nil {
		return CaseMetrics{}, err
	}
	pr, err := readCase(m["predictions"], predFile, c)
	if err != nil {
		return CaseMetrics{}, err
	}
	if pr.Dims != l.Dims {
		return CaseMetrics{}, medperf.Errorf(medperf.CodeInvalid, "case %s: prediction is %v voxels, its label %v", c, pr.Dims, l.Dims)
	}
	ref, err := mask(l.Data, c, "label")
	if err != nil {
		return CaseMetrics{}, err
	}
	pred, err := mask(pr.Data, c, "prediction")
	if err != nil {
		return CaseMetrics{}, err
	}
	return Compare(pred, ref, l.Dims, l.Voxel), nil
}

// mask converts a 0/1 volume to booleans, refusing any other value.
func mask(data []float32, c, what string) ([]bool, error) {
	out := make([]bool, len(data))
	for i, x := range data {
		if x != 0 && x != 1 {
			return nil, medperf.Errorf(medperf.CodeInvalid, "case %s: the %s holds the value %v; masks must be 0 or 1", c, what, x)
		}
		out[i] = x == 1
	}
	return out, nil
}

// Aggregate returns the flat results map of per-case metrics: for each of
// MetricNames its mean and median (<name>_mean, <name>_median), and n_cases;
// with no cases every mean and median is 0.
func Aggregate(per []CaseMetrics) map[string]float64 {
	cols := map[string][]float64{}
	for _, r := range per {
		cols["dice"] = append(cols["dice"], r.Dice)
		cols["hd95"] = append(cols["hd95"], r.HD95)
		cols["sensitivity"] = append(cols["sensitivity"], r.Sensitivity)
		cols["specificity"] = append(cols["specificity"], r.Specificity)
	}
	res := map[string]float64{"n_cases": float64(len(per))}
	for _, name := range MetricNames {
		var a accumulator
		for _, x := range cols[name] {
			a.add(x)
		}
		res[name+"_mean"] = round6(a.mean)
		res[name+"_median"] = round6(median(cols[name]))
	}
	return res
}
