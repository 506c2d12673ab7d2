package cli

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/site"
)

func newResultCmd(e *env) *cobra.Command {
	c := groupCmd("result", "Review and submit results; list them")
	c.AddCommand(newResultSubmitCmd(e), newResultLsCmd(e), newResultVerifyCmd(e),
		viewCmd(e, "result", func(ctx context.Context, cl *client.Client, n int64) (any, error) { return cl.GetResult(ctx, n) }))
	return c
}

func newResultSubmitCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "submit (-r LOCAL_RESULT | -b BENCHMARK -d DATASET [-m MODEL]) [-y]",
		Short: "Show a local result's exact payload, ask, and submit it (every unsubmitted one of -b/-d without -m)",
		Args:  cobra.NoArgs,
	}
	r := c.Flags().StringP("result", "r", "", "local result key, b<B>-m<M>-d<D> (see 'medperf result ls --local')")
	var q site.ResultQuery
	c.Flags().Int64VarP(&q.BenchmarkID, "benchmark", "b", 0, "benchmark id")
	c.Flags().Int64VarP(&q.DatasetID, "dataset", "d", 0, "dataset id")
	c.Flags().Int64VarP(&q.ModelID, "model", "m", 0, "model id")
	sf := addSiteFlags(c, false)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		keys, err := resultKeys(e, *r, q)
		if err != nil {
			return err
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		if *r == "" && q.ModelID == 0 {
			keys = nil
			local, err := s.LocalResults(q)
			if err != nil {
				return err
			}
			for _, lr := range local {
				if lr.Submitted == nil {
					keys = append(keys, lr.ResultKey)
				}
			}
		}
		var done []*medperf.Result
		for _, k := range keys {
			res, err := s.SubmitResult(ctx, k)
			if err != nil {
				return err
			}
			done = append(done, res)
		}
		if done == nil {
			done = []*medperf.Result{}
		}
		return e.changed(*out, done, func() table { return resultsTable(done, nil) })
	}
	return c
}

// resultKeys reads -r, or -b -d -m.
func resultKeys(e *env, r string, q site.ResultQuery) ([]site.ResultKey, error) {
	if r != "" {
		k, err := site.ParseResultKey(r)
		return []site.ResultKey{k}, err
	}
	if err := requireIDs(map[string]int64{"benchmark": q.BenchmarkID, "dataset": q.DatasetID}); err != nil {
		return nil, err
	}
	return []site.ResultKey{{BenchmarkID: q.BenchmarkID, ModelID: q.ModelID, DatasetID: q.DatasetID}}, nil
}

// resultsTable lists results, with names next to ids when n is not nil.
func resultsTable(rs []*medperf.Result, n *names) table {
	t := table{header: []string{"ID", "BENCHMARK", "MODEL", "DATASET", "FINALIZED", "RESULTS"}}
	for _, r := range rs {
		t.rows = append(t.rows, []string{id(r.ID), n.benchmark(r.BenchmarkID), n.container(r.ModelID), n.dataset(r.DatasetID), cell(r.Finalized), compactJSON(r.Metrics)})
	}
	return t
}

func newResultLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls [-b ID] [-d ID] [-m ID] [--local]", Short: "List the results you may see, or with --local those kept on this machine", Args: cobra.NoArgs}
	var q site.ResultQuery
	c.Flags().Int64VarP(&q.BenchmarkID, "benchmark", "b", 0, "benchmark id")
	c.Flags().Int64VarP(&q.DatasetID, "dataset", "d", 0, "dataset id")
	c.Flags().Int64VarP(&q.ModelID, "model", "m", 0, "model id")
	local := c.Flags().Bool("local", false, "the results kept on this machine (submitted or not; --limit and --all do not apply)")
	mine := c.Flags().Bool("mine", false, "only mine")
	out := listCmd(e, c, func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Result, int, error) {
		f := medperf.ResultFilter{BenchmarkID: q.BenchmarkID, DatasetID: q.DatasetID, ModelID: q.ModelID}
		var err error
		if f.Owner, err = ownerFilter(ctx, cl, *mine); err != nil {
			return nil, 0, err
		}
		return client.Collect(ctx, limit, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Result], error) {
			f.Page = p
			return cl.ListResults(ctx, f)
		})
	}, func(items []medperf.Result) table {
		rs := make([]*medperf.Result, len(items))
		for i := range items {
			rs[i] = &items[i]
		}
		return resultsTable(rs, e.names)
	}, formatCSV)
	registry := c.RunE
	c.RunE = func(c *cobra.Command, args []string) error {
		switch {
		case *out == formatCSV:
			return writeResultsCSV(c.Context(), e, q, *local)
		case *local:
			return listLocalResults(c.Context(), e, q, *out)
		}
		return registry(c, args)
	}
	return c
}

// listLocalResults prints the results kept on this machine that match q.
func listLocalResults(ctx context.Context, e *env, q site.ResultQuery, out string) error {
	s, err := e.openSite(ctx, &siteFlags{}, out)
	if err != nil {
		return err
	}
	rs, err := s.LocalResults(q)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []site.LocalResult{}
	}
	return render(e.stdout, out, rs, func() table {
		t := table{header: []string{"LOCAL RESULT", "SUBMITTED AS", "COMPUTED", "RESULTS"}}
		for _, r := range rs {
			sub := ""
			if r.Submitted != nil {
				sub = id(r.Submitted.ID)
			}
			t.rows = append(t.rows, []string{r.ResultKey.String(), sub, r.ComputedAt.Format("2006-01-02 15:04:05"), compactJSON(r.Metrics)})
		}
		return t
	})
}

// writeResultsCSV exports every result of the server matching q that the
// caller may see (not only one page) as CSV, for spreadsheets and scripts.
func writeResultsCSV(ctx context.Context, e *env, q site.ResultQuery, local bool) error {
	if local {
		return medperf.FieldError("--output", "csv exports the server's results; drop --local, or use -o json for local results")
	}
	cl, err := e.registry()
	if err != nil {
		return err
	}
	b, err := cl.ResultsCSV(ctx, medperf.ResultFilter{BenchmarkID: q.BenchmarkID, DatasetID: q.DatasetID, ModelID: q.ModelID})
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(b)
	return err
}

// compactJSON is raw JSON on one line (as it is, when it is not JSON).
func compactJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
