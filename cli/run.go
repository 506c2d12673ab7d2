package cli

import (
	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

// newRunCmd is `medperf run -b -d -m`: run one model and submit its result.
func newRunCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "run -b BENCHMARK -d DATASET -m MODEL [-y]",
		Short: "Run one model on a dataset, show its result, and submit it",
		Args:  cobra.NoArgs,
	}
	var k site.ResultKey
	c.Flags().Int64VarP(&k.BenchmarkID, "benchmark", "b", 0, "benchmark id (required)")
	c.Flags().Int64VarP(&k.DatasetID, "dataset", "d", 0, "dataset id (required)")
	c.Flags().Int64VarP(&k.ModelID, "model", "m", 0, "model id (required)")
	sf := addSiteFlags(c, true)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireIDs(map[string]int64{"benchmark": k.BenchmarkID, "dataset": k.DatasetID, "model": k.ModelID}); err != nil {
			return err
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		if _, err := s.Run(ctx, k.BenchmarkID, k.DatasetID, site.RunOptions{Models: []int64{k.ModelID}}); err != nil {
			return err
		}
		r, err := s.SubmitResult(ctx, k)
		if err != nil {
			return err
		}
		return e.changed(*out, r, kvTable(r))
	}
	return c
}

// newTestCmd is `medperf test run`: the compatibility test.
func newTestCmd(e *env) *cobra.Command {
	g := groupCmd("test", "Compatibility tests: run a benchmark's pipeline without registering anything")
	c := &cobra.Command{
		Use:   "run -b BENCHMARK [-m MODEL_ID | --model-config PATH] [-d DATASET_ID | --data PATH --labels PATH | --demo-url URL]",
		Short: "Run prepare, sanity_check, statistics, infer and evaluate on the demo data (or given data); nothing is sent",
		Args:  cobra.NoArgs,
	}
	var spec site.TestSpec
	var modelID int64
	var modelCfg, modelParams, modelFiles string
	c.Flags().Int64VarP(&spec.BenchmarkID, "benchmark", "b", 0, "benchmark whose components are used")
	c.Flags().Int64VarP(&modelID, "model", "m", 0, "registered model to test instead of the reference model")
	c.Flags().StringVar(&modelCfg, "model-config", "", "local container_config.yaml of a model to test")
	c.Flags().StringVar(&modelParams, "model-parameters", "", "its parameters file")
	c.Flags().StringVar(&modelFiles, "model-additional-files", "", "its additional files folder")
	c.Flags().Int64VarP(&spec.DatasetID, "dataset", "d", 0, "run on this local, operational dataset's prepared data")
	c.Flags().StringVar(&spec.DataPath, "data", "", "run on this raw data folder (prepared first)")
	c.Flags().StringVar(&spec.LabelsPath, "labels", "", "its labels folder")
	c.Flags().StringVar(&spec.DemoURL, "demo-url", "", "run on this demo tarball (URL or path) instead of the benchmark's")
	c.Flags().StringVar(&spec.DemoHash, "demo-hash", "", "sha256 the demo tarball must have")
	sf := addSiteFlags(c, true)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if (spec.DataPath == "") != (spec.LabelsPath == "") {
			return medperf.FieldError("--data/--labels", "give both or neither")
		}
		if modelID > 0 && modelCfg != "" {
			return medperf.FieldError("-m/--model-config", "give one or the other")
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		switch {
		case modelID > 0:
			if spec.Model, err = s.Container(ctx, modelID); err != nil {
				return err
			}
		case modelCfg != "":
			if spec.Model, err = site.LocalComponent(modelCfg, modelParams, modelFiles); err != nil {
				return err
			}
		}
		rep, err := s.Test(ctx, spec)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, rep, kvTable(rep))
	}
	g.AddCommand(c)
	return g
}
