package site

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
)

// Prepared is the layout of prepared data on disk, as a preparator writes it.
type Prepared struct {
	Dir string
	// data and labels, when set, are prepared data kept elsewhere (a demo
	// tarball that is already prepared, Options.SkipDemoPreparation).
	data, labels string
}

// Data, Labels, Metadata, Statistics and Report are the preparator's outputs.
func (p Prepared) Data() string       { return firstNonEmpty(p.data, filepath.Join(p.Dir, "data")) }
func (p Prepared) Labels() string     { return firstNonEmpty(p.labels, filepath.Join(p.Dir, "labels")) }
func (p Prepared) Metadata() string   { return filepath.Join(p.Dir, "metadata") }
func (p Prepared) Statistics() string { return filepath.Join(p.Dir, "statistics.yaml") }
func (p Prepared) Report() string     { return filepath.Join(p.Dir, "report.yaml") }

// The steps of a preparation, in order.
const (
	StepPrepare     = "prepare"
	StepSanityCheck = "sanity_check"
	StepStatistics  = "statistics"
)

// PrepareSteps lists the preparation's steps in order.
var PrepareSteps = []string{StepPrepare, StepSanityCheck, StepStatistics}

// prepare runs the preparator's prepare, sanity_check and statistics tasks on
// raw data and labels into out, skipping the steps j says finished. After
// prepare, afterPrepare (when set) is called (e.g. to send the report).
func (s *Site) prepare(ctx context.Context, prep *Component, data, labels string, out Prepared, j *Journal, afterPrepare func() error) error {
	inputs := map[string]string{
		"data_path": out.Data(), "labels_path": out.Labels(), "metadata_path": out.Metadata(),
	}
	steps := []struct {
		name   string
		mounts map[string]string
	}{
		{StepPrepare, map[string]string{"data_path": data, "labels_path": labels, "output_path": out.Data(),
			"output_labels_path": out.Labels(), "metadata_path": out.Metadata(), "report_file": out.Report()}},
		{StepSanityCheck, inputs},
		{StepStatistics, merge(inputs, map[string]string{"output_path": out.Statistics()})},
	}
	if err := checkPreparator(prep); err != nil {
		return err
	}
	for _, st := range steps {
		if j.Done(st.name) {
			s.progress("%s: %s already done", prep.Name, st.name)
			continue
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		if st.name == StepStatistics || st.name == StepSanityCheck {
			// Inputs of these tasks are the outputs of prepare: metadata is optional.
			if _, err := os.Stat(out.Metadata()); err != nil {
				delete(st.mounts, "metadata_path")
			}
		}
		if err := s.run(ctx, prep, st.name, st.mounts); err != nil {
			return err
		}
		if st.name == StepPrepare && afterPrepare != nil {
			if err := afterPrepare(); err != nil {
				return err
			}
		}
		if err := j.Finish(st.name); err != nil {
			return err
		}
	}
	return nil
}

// preparatorOutputs are the output volumes a preparator's tasks must
// declare: the site reads (hashes) what they hold after the run.
var preparatorOutputs = []struct{ task, key, what string }{
	{StepPrepare, "output_path", "the prepared data"},
	{StepPrepare, "output_labels_path", "the prepared labels"},
	{StepStatistics, "output_path", "statistics.yaml"},
}

// checkPreparator refuses, before anything runs, a preparator whose config
// does not declare the outputs the site reads afterwards; without this
// check the failure came later as a missing prepared/data folder.
func checkPreparator(prep *Component) error {
	for _, o := range preparatorOutputs {
		t, ok := prep.Config.Tasks[o.task]
		if !ok {
			return medperf.Errorf(medperf.CodeInvalid, "container %s cannot prepare data: its config declares no %s task (a preparator needs prepare, sanity_check and statistics)", prep.Name, o.task)
		}
		if _, output, ok := t.Volume(o.key); !ok || !output {
			return medperf.Errorf(medperf.CodeInvalid, "container %s cannot prepare data: its %s task must declare the output volume %s (%s) under output_volumes in its container config", prep.Name, o.task, o.key, o.what)
		}
	}
	return nil
}

func merge(a, b map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// Execution is where one model's run on prepared data keeps its files.
type Execution struct{ Dir string }

// Predictions and Results are the model's and the evaluator's outputs.
func (e Execution) Predictions() string  { return filepath.Join(e.Dir, "predictions") }
func (e Execution) Results() string      { return filepath.Join(e.Dir, "results.yaml") }
func (e Execution) LocalOutputs() string { return filepath.Join(e.Dir, "local_outputs") }

// The steps of one model's execution.
const (
	StepInfer    = "infer"
	StepEvaluate = "evaluate"
)

// execute runs model's infer on the prepared data (mounted read-only: every
// input is) and evaluator's evaluate on its predictions, skipping what j
// says finished under prefix, and returns the metrics.
func (s *Site) execute(ctx context.Context, model, evaluator *Component, data Prepared, ex Execution, j *Journal, prefix string) (json.RawMessage, error) {
	if !j.Done(prefix + StepInfer) {
		if err := s.run(ctx, model, "infer", map[string]string{"data_path": data.Data(), "output_path": ex.Predictions()}); err != nil {
			return nil, err
		}
		if err := j.Finish(prefix + StepInfer); err != nil {
			return nil, err
		}
	}
	if !j.Done(prefix + StepEvaluate) {
		if err := s.run(ctx, evaluator, "evaluate", map[string]string{"predictions": ex.Predictions(), "labels": data.Labels(),
			"output_path": ex.Results(), "local_outputs_path": ex.LocalOutputs()}); err != nil {
			return nil, err
		}
		if err := j.Finish(prefix + StepEvaluate); err != nil {
			return nil, err
		}
	}
	return yamlFileAsJSON(ex.Results(), "the evaluator's results")
}
