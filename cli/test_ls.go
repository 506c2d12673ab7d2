package cli

import (
	"github.com/spf13/cobra"
)

// newTestLsCmd is `medperf test ls`: the compatibility tests run on this
// machine (MedPerf's test ls), from the local storage only.
func newTestLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls", Short: "List the compatibility tests run on this machine (local; removed by 'storage cleanup')", Args: cobra.NoArgs}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		s, err := e.openSite(c.Context(), &siteFlags{}, *out)
		if err != nil {
			return err
		}
		ts, err := s.LocalTests()
		if err != nil {
			return err
		}
		return render(e.stdout, *out, ts, func() table {
			t := table{header: []string{"ID", "RAN AT", "DATA", "PREPARATOR", "MODEL", "EVALUATOR", "RESULTS"}}
			for _, x := range ts {
				t.rows = append(t.rows, []string{x.ID, x.RanAt.Format("2006-01-02 15:04:05"), x.Data,
					localOr(x.PreparatorID), localOr(x.ModelID), localOr(x.EvaluatorID), string(x.Metrics)})
			}
			return t
		})
	}
	return c
}

// newTestViewCmd is `medperf test view ID`: one test's whole report.
func newTestViewCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "view ID", Short: "Show the report of a compatibility test run on this machine", Args: cobra.ExactArgs(1)}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		s, err := e.openSite(c.Context(), &siteFlags{}, *out)
		if err != nil {
			return err
		}
		t, err := s.LocalTest(args[0])
		if err != nil {
			return err
		}
		return render(e.stdout, *out, t, kvTable(t))
	}
	return c
}

// localOr is a component's id, or "local" for one run from a local config.
func localOr(n int64) string {
	if n == 0 {
		return "local"
	}
	return id(n)
}
