package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/site/policy"
)

// PolicyFile is the site policy in MEDPERF_HOME (docs/site-policy.md).
const PolicyFile = "policy.yaml"

// addPolicyFlag adds --policy FILE to a command that runs containers or
// sends something.
func addPolicyFlag(c *cobra.Command, dst *string) {
	c.Flags().StringVar(dst, "policy", "", "site policy file (default $MEDPERF_HOME/policy.yaml; see docs/site-policy.md)")
}

// loadPolicy reads the site policy: file when given (it must exist: a typo
// must not silently allow everything), else $MEDPERF_HOME/policy.yaml or,
// when there is none, the default policy.
func loadPolicy(home, file string) (*policy.Policy, error) {
	if file != "" {
		return policy.Load(file)
	}
	return policy.LoadOrDefault(filepath.Join(home, PolicyFile))
}

func newPolicyCmd(e *env) *cobra.Command {
	c := groupCmd("policy", "Explain this site's policy")
	c.AddCommand(newPolicyCheckCmd(e))
	return c
}

// verdictTable prints each rule's answer with its location.
func verdictTable(vs []policy.Verdict) table {
	t := table{header: []string{"RULE", "WHERE", "SUBJECT", "OUTCOME", "REASON"}}
	for _, v := range vs {
		where := "default"
		if v.Line > 0 {
			where = v.File + ":" + strconv.Itoa(v.Line)
		}
		t.rows = append(t.rows, []string{v.Rule, where, v.Subject, string(v.Outcome), v.Reason})
	}
	return t
}

func newPolicyCheckCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "check [-b BENCHMARK] [-m MODEL]",
		Short: "Say what the site policy allows and refuses, and why (for a benchmark and a model when given)",
		Long: "Print every rule of the site policy ($MEDPERF_HOME/policy.yaml or --policy FILE) with its file and line:\n" +
			"what it says about the current server, and with -b/-m about the benchmark's containers and the model,\n" +
			"run with the limits the profile and flags give. Exits with the forbidden status when a rule refuses.",
		Args: cobra.NoArgs,
	}
	b := c.Flags().Int64P("benchmark", "b", 0, "benchmark id")
	m := c.Flags().Int64P("model", "m", 0, "model id")
	sf := addSiteFlags(c, true)
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		sf.runs = false // the limits are resolved below; no runtime is opened
		sess, err := e.openSite(cmd.Context(), sf, *out)
		if err != nil {
			return err
		}
		defer sess.close()
		if sess.RuntimeName, err = sf.apply(&sess.Options, sess.profile); err != nil {
			return err
		}
		a := policy.Action{Server: sess.Server, Benchmark: *b}
		cl, _, err := e.newClient("", false)
		if err != nil {
			return err
		}
		var urls []string
		if a.Containers, urls, err = policyContainers(cmd.Context(), cl, sess, *b, *m); err != nil {
			return err
		}
		a.PrivateURLs = site.PrivateURLs(cmd.Context(), urls...)
		vs := sess.Policy.Explain(a)
		if err := render(e.stdout, *out, vs, func() table { return verdictTable(vs) }); err != nil {
			return err
		}
		if d := sess.Policy.Decide(a); !d.Allowed() {
			return medperf.Errorf(medperf.CodeForbidden, "the site policy refuses %d of these (edit %s to change it)", len(d.Refusals()), sess.Policy.File)
		}
		return nil
	}
	return c
}

// policyContainers describes the tasks a run of model m on benchmark b
// would start (the benchmark's preparator and evaluator, and m), and
// returns the URLs it would download: their image archives and additional
// files, and the benchmark's demo tarball.
func policyContainers(ctx context.Context, cl *client.Client, sess *session, b, m int64) ([]policy.Container, []string, error) {
	type task struct {
		id         int64
		name, task string
	}
	var tasks []task
	var urls []string
	if b != 0 {
		bm, err := cl.GetBenchmark(ctx, b)
		if err != nil {
			return nil, nil, err
		}
		urls = append(urls, bm.DemoDatasetURL)
		tasks = append(tasks, task{bm.DataPreparationContainer, "preparator", medperf.TaskPrepare}, task{bm.DataEvaluatorContainer, "evaluator", medperf.TaskEvaluate})
	}
	if m != 0 {
		tasks = append(tasks, task{m, "model", medperf.TaskInfer})
	}
	var out []policy.Container
	for _, t := range tasks {
		ct, err := cl.GetContainer(ctx, t.id)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := cube.ParseConfig("", ct.Config)
		if err != nil {
			return nil, nil, err
		}
		pc := sess.PolicyContainer(fmt.Sprintf("%s %d", t.name, t.id), cfg, ct.ImageHash, t.task)
		fp, problem, err := sess.ContainerSignature(ctx, ct)
		if err != nil {
			return nil, nil, err
		}
		pc.Signed, pc.SignedBy, pc.Unsigned = fp != "", fp, problem
		out = append(out, pc)
		urls = append(urls, cfg.Image, ct.AdditionalFilesURL)
	}
	return out, urls, nil
}
