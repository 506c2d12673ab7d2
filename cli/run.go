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
	var o site.RunOptions
	c.Flags().BoolVar(&o.IgnoreModelErrors, "ignore-model-errors", false, "when the model fails, show the failure and submit nothing (exit 0)")
	c.Flags().BoolVar(&o.NoCache, "no-cache", false, "run the model again even if its result is kept locally")
	c.Flags().BoolVar(&o.Rerun, "new-result", false, "run again even if a result was already submitted, and submit it as a new, non-final record")
	sf := addSiteFlags(c, true)
	addDecryptionKeyFlag(c, &sf.decryptionKey, decryptionKeyUsage)
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
		o.Models = []int64{k.ModelID}
		oc, err := s.Run(ctx, k.BenchmarkID, k.DatasetID, o)
		if err != nil {
			return err
		}
		if failed := failedOutcomes(oc); len(failed) > 0 {
			return render(e.stdout, *out, failed, func() table { return outcomesTable(failed) })
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
	var comps testComponents
	var modelCfg, modelParams, modelFiles string
	c.Flags().Int64VarP(&spec.BenchmarkID, "benchmark", "b", 0, "benchmark whose components are used")
	c.Flags().StringVarP(&comps.model, "model", "m", "", "model to test instead of the reference model: a registered id, or a local container_config.yaml (or its folder)")
	c.Flags().StringVarP(&comps.preparator, "data-preparation", "p", "", "data preparator instead of the benchmark's: an id or a local config")
	c.Flags().StringVarP(&comps.evaluator, "evaluator", "e", "", "evaluator instead of the benchmark's: an id or a local config")
	noCache := c.Flags().Bool("no-cache", false, "prepare the demo data again instead of reusing an earlier preparation")
	skipPrep := c.Flags().Bool("skip-demo-data-preparation", false, "the demo tarball holds data already prepared: do not run the preparator on it")
	c.Flags().StringVar(&modelCfg, "model-config", "", "local container_config.yaml of a model to test")
	c.Flags().StringVar(&modelParams, "model-parameters", "", "its parameters file")
	c.Flags().StringVar(&modelFiles, "model-additional-files", "", "its additional files folder")
	c.Flags().Int64VarP(&spec.DatasetID, "dataset", "d", 0, "run on this local, operational dataset's prepared data")
	c.Flags().StringVar(&spec.DataPath, "data", "", "run on this raw data folder (prepared first)")
	c.Flags().StringVar(&spec.LabelsPath, "labels", "", "its labels folder")
	c.Flags().StringVar(&spec.DemoURL, "demo-url", "", "run on this demo tarball (URL or path) instead of the benchmark's")
	c.Flags().StringVar(&spec.DemoHash, "demo-hash", "", "sha256 the demo tarball must have")
	sf := addSiteFlags(c, true)
	addDecryptionKeyFlag(c, &sf.decryptionKey, decryptionKeyUsage)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if (spec.DataPath == "") != (spec.LabelsPath == "") {
			return medperf.FieldError("--data/--labels", "give both or neither")
		}
		if comps.model != "" && modelCfg != "" {
			return medperf.FieldError("-m/--model-config", "give one or the other")
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		s.Options.NoCache, s.Options.SkipDemoPreparation = *noCache, *skipPrep
		if modelCfg != "" {
			comps.model = modelCfg
		}
		if err := comps.resolve(ctx, s.Site, &spec, modelParams, modelFiles); err != nil {
			return err
		}
		rep, err := s.Test(ctx, spec)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, rep, kvTable(rep))
	}
	g.AddCommand(c, newTestLsCmd(e), newTestViewCmd(e))
	return g
}
