package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site"
)

func newBenchmarkCmd(e *env) *cobra.Command {
	c := groupCmd("benchmark", "Register, approve, configure and run benchmarks")
	c.AddCommand(newBenchmarkSubmitCmd(e), newBenchmarkLsCmd(e),
		viewCmd(e, "benchmark", func(ctx context.Context, cl *client.Client, n int64) (any, error) { return cl.GetBenchmark(ctx, n) }),
		newBenchmarkDecisionCmd(e, medperf.StatusApproved), newBenchmarkDecisionCmd(e, medperf.StatusRejected),
		newBenchmarkPolicyCmd(e), newBenchmarkRunCmd(e), newBenchmarkLeaderboardCmd(e))
	return c
}

func newBenchmarkSubmitCmd(e *env) *cobra.Command {
	var in medperf.BenchmarkInput
	var metricsFile string
	c := &cobra.Command{
		Use:   "submit -n NAME -d DESCRIPTION --demo-url URL [--demo-hash H] -p PREPARATOR -m REFERENCE_MODEL -e EVALUATOR",
		Short: "Run the compatibility test on the demo data, then register the benchmark (PENDING until an admin approves it)",
		Args:  cobra.NoArgs,
	}
	fl := c.Flags()
	fl.StringVarP(&in.Name, "name", "n", "", "unique name (required)")
	fl.StringVarP(&in.Description, "description", "d", "", "description (required)")
	fl.StringVarP(&in.DocsURL, "docs-url", "u", "", "documentation URL")
	fl.StringVar(&in.DemoDatasetURL, "demo-url", "", "http(s) URL of the demo dataset tarball (required)")
	fl.StringVar(&in.DemoDatasetHash, "demo-hash", "", "sha256 the demo tarball must have (computed when not given)")
	fl.Int64VarP(&in.DataPreparationContainer, "data-preparation-mlcube", "p", 0, "data preparator container id (required)")
	fl.Int64VarP(&in.ReferenceModelContainer, "reference-model-mlcube", "m", 0, "reference model container id (required)")
	fl.Int64VarP(&in.DataEvaluatorContainer, "evaluator-mlcube", "e", 0, "evaluator container id (required)")
	fl.StringVar(&in.ClinicalTask, "clinical-task", "unspecified", "the clinical task")
	fl.StringVar(&in.TargetPopulation, "target-population", "unspecified", "the target population")
	fl.StringVar(&in.LabellingMethodology, "labelling-methodology", "unspecified", "how the labels were made")
	fl.StringVar(&metricsFile, "metrics", "", "JSON or YAML file declaring the evaluator's metrics (names, directions, primary)")
	development := fl.Bool("development", false, "register in DEVELOPMENT instead of OPERATION")
	skipPrep := fl.Bool("skip-demo-data-preparation", false, "the demo tarball holds data already prepared: do not run the preparator on it")
	skipTest := fl.Bool("skip-compatibility-tests", false, "register without running the models: the demo data is only prepared, for its hashes; no reference results")
	sf := addSiteFlags(c, true)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if in.Name == "" || in.Description == "" || in.DemoDatasetURL == "" {
			return medperf.FieldError("-n/-d/--demo-url", "the name, the description and the demo dataset URL are required")
		}
		if !cube.IsURL(in.DemoDatasetURL) {
			return medperf.FieldError("--demo-url", "must be an http(s) URL data owners can download (test a local tarball with 'medperf test run --demo-url PATH')")
		}
		if metricsFile != "" {
			m, err := readMetrics(metricsFile)
			if err != nil {
				return err
			}
			in.Metrics = m
		}
		in.State = medperf.StateOperation
		if *development {
			in.State = medperf.StateDevelopment
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		s.Options.SkipDemoPreparation, s.Options.SkipCompatibilityTest = *skipPrep, *skipTest
		b, _, err := s.SubmitBenchmark(ctx, in)
		if err != nil {
			return err
		}
		return e.changed(*out, b, kvTable(b))
	}
	return c
}

// readMetrics reads a metrics declaration (medperf.MetricSet) and checks it.
func readMetrics(file string) (json.RawMessage, error) {
	raw, err := site.YAMLFileJSON(file, "--metrics")
	if err != nil {
		return nil, err
	}
	var set medperf.MetricSet
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return nil, medperf.FieldError("--metrics", "not a metrics declaration: %v", err)
	}
	if err := set.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

func newBenchmarkLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls", Short: "List benchmarks", Args: cobra.NoArgs}
	status := c.Flags().String("status", "", "only PENDING, APPROVED or REJECTED ones")
	mine := c.Flags().Bool("mine", false, "only mine")
	lf := addListFilters(c)
	listCmd(e, c, func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Benchmark, int, error) {
		f := medperf.BenchmarkFilter{ApprovalStatus: medperf.ApprovalStatus(strings.ToUpper(*status)), Name: lf.name}
		var err error
		if f.Owner, f.State, err = lf.resolve(ctx, cl, *mine); err != nil {
			return nil, 0, err
		}
		rows := clientSide(func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Benchmark, int, error) {
			return client.Collect(ctx, limit, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Benchmark], error) {
				f.Page = p
				return cl.ListBenchmarks(ctx, f)
			})
		}, keeper(lf.keepCommon(true), func(x medperf.Benchmark) (string, bool) { return x.Name, x.IsValid }))
		return rows(ctx, cl, limit)
	}, func(bs []medperf.Benchmark) table {
		t := table{header: []string{"ID", "NAME", "STATUS", "STATE", "PREPARATOR", "REFERENCE", "EVALUATOR", "OWNER"}}
		for _, b := range bs {
			t.rows = append(t.rows, []string{id(b.ID), b.Name, string(b.ApprovalStatus), string(b.State),
				e.names.container(b.DataPreparationContainer), e.names.container(b.ReferenceModelContainer), e.names.container(b.DataEvaluatorContainer), e.names.user(b.Owner)})
		}
		return t
	})
	return c
}

func newBenchmarkDecisionCmd(e *env, to medperf.ApprovalStatus) *cobra.Command {
	verb := map[medperf.ApprovalStatus]string{medperf.StatusApproved: "approve", medperf.StatusRejected: "reject"}[to]
	c := &cobra.Command{Use: verb + " -b ID", Short: strings.ToUpper(verb[:1]) + verb[1:] + " a pending benchmark (admin)", Args: cobra.NoArgs}
	b := idFlag(c, "benchmark", "b", "benchmark id (required)")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireID("benchmark", *b); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		bm, err := cl.UpdateBenchmark(c.Context(), *b, medperf.BenchmarkPatch{ApprovalStatus: &to})
		if err != nil {
			return err
		}
		return e.changed(*out, bm, kvTable(bm))
	}
	return c
}

func newBenchmarkPolicyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "update-associations-policy -b ID [--dataset-mode M] [--model-mode M] [--dataset-allowlist FILE] [--model-allowlist FILE]",
		Short: "Set which association requests are approved automatically: NEVER, ALWAYS or ALLOWLIST (emails, one a line)",
		Args:  cobra.NoArgs,
	}
	b := idFlag(c, "benchmark", "b", "benchmark id (required)")
	dm := c.Flags().String("dataset-mode", "", "NEVER, ALWAYS or ALLOWLIST")
	mm := c.Flags().String("model-mode", "", "NEVER, ALWAYS or ALLOWLIST")
	da := c.Flags().String("dataset-allowlist", "", "file of emails, one a line")
	ma := c.Flags().String("model-allowlist", "", "file of emails, one a line")
	c.Flags().String("allowlist", "", "file of emails for both datasets and models")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireID("benchmark", *b); err != nil {
			return err
		}
		both, _ := c.Flags().GetString("allowlist")
		var p medperf.BenchmarkPatch
		if *dm != "" {
			p.DatasetAutoApprovalMode = ptr(medperf.AutoApprovalMode(strings.ToUpper(*dm)))
		}
		if *mm != "" {
			p.ModelAutoApprovalMode = ptr(medperf.AutoApprovalMode(strings.ToUpper(*mm)))
		}
		for _, x := range []struct {
			file string
			dst  **[]string
		}{{firstNonEmpty(*da, both), &p.DatasetAutoApprovalAllow}, {firstNonEmpty(*ma, both), &p.ModelAutoApprovalAllow}} {
			if x.file == "" {
				continue
			}
			emails, err := readLines(x.file)
			if err != nil {
				return err
			}
			*x.dst = &emails
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		bm, err := cl.UpdateBenchmark(c.Context(), *b, p)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, bm.AutoApproval, kvTable(bm.AutoApproval))
	}
	return c
}

func readLines(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, medperf.FieldError("--allowlist", "cannot read the file: %v", err)
	}
	out := []string{}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out, nil
}

func newBenchmarkRunCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "run -b BENCHMARK -d DATASET [-m MODEL ...] [--ignore-model-errors] [--no-cache]",
		Short: "Run every approved model (by priority) and the reference model on a dataset; results stay local",
		Long: "Runs infer (the data mounted read-only) then evaluate for each model, and keeps the metrics locally\n" +
			"(see 'medperf result ls --local'); nothing is sent. Interrupted (Ctrl-C, kill -9), it continues from the\n" +
			"last finished step when run again. Submit with 'medperf result submit'.",
		Args: cobra.NoArgs,
	}
	b := idFlag(c, "benchmark", "b", "benchmark id (required)")
	d := idFlag(c, "dataset", "d", "dataset id (required)")
	models := c.Flags().Int64SliceP("model", "m", nil, "only these models (repeatable)")
	var o site.RunOptions
	c.Flags().BoolVar(&o.IgnoreModelErrors, "ignore-model-errors", false, "go on with the next model when one fails")
	c.Flags().BoolVar(&o.NoCache, "no-cache", false, "run again models whose results are kept locally")
	c.Flags().BoolVar(&o.Rerun, "rerun-finalized", false, "run again models whose results were already submitted; the new results are submitted as new, non-final records")
	sf := addSiteFlags(c, true)
	addDecryptionKeyFlag(c, &sf.decryptionKey, decryptionKeyUsage)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireIDs(map[string]int64{"benchmark": *b, "dataset": *d}); err != nil {
			return err
		}
		o.Models = *models
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		status, err := s.DatasetAssociation(ctx, *b, *d)
		if err != nil {
			return err
		}
		if w := site.NotJoinedWarning(*b, *d, status); w != "" {
			fmt.Fprintf(e.stderr, "warning: %s\n", w)
		}
		oc, err := s.Run(ctx, *b, *d, o)
		if err != nil {
			return err
		}
		return e.changedAs(*out, oc, ranBenchmark{*b, *d, status == medperf.StatusApproved}, func() table {
			t := table{header: []string{"MODEL", "STATUS", "LOCAL RESULT", "ERROR"}}
			for _, x := range oc {
				t.rows = append(t.rows, []string{id(x.Model), x.Status, x.Results, x.Error})
			}
			return t
		})
	}
	return c
}
