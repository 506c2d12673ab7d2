package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

const formatCSV = "csv"

// newBenchmarkLeaderboardCmd is `medperf benchmark leaderboard`: the
// caller's leaderboard of a benchmark, as the server computes it.
func newBenchmarkLeaderboardCmd(e *env) *cobra.Command {
	var benchmark int64
	var metric, server string
	c := &cobra.Command{
		Use:   "leaderboard -b ID [--metric M]",
		Short: "Show a benchmark's leaderboard: per metric, each model's mean, weighted mean, worst site and mean rank",
		Long: "Shows the leaderboard of a benchmark as you may see it: every result if you own the benchmark (or are an\n" +
			"admin), the results of your models and datasets otherwise, or the published aggregate rows when the\n" +
			"benchmark's owner published them. Rows are sorted by the primary metric (or --metric). See docs/leaderboard.md.",
		Example: "  medperf benchmark leaderboard -b 1\n  medperf benchmark leaderboard -b 1 --metric dice --output csv > board.csv",
		Args:    cobra.NoArgs,
	}
	c.Flags().Int64VarP(&benchmark, "benchmark", "b", 0, "benchmark id (required)")
	c.Flags().StringVar(&metric, "metric", "", "show only this metric and sort by it")
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	out := outputFlag(c, formatCSV)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if benchmark <= 0 {
			return medperf.FieldError("--benchmark", "is required: the id of a benchmark (see the benchmarks list)")
		}
		cl, _, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		ctx := context.Background()
		if *out == formatCSV {
			b, err := cl.LeaderboardCSV(ctx, benchmark, metric)
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(b)
			return err
		}
		lb, err := cl.Leaderboard(ctx, benchmark, metric)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, lb, func() table { return leaderboardTable(lb) })
	}
	return c
}

// leaderboardTable has one row per metric and model, in leaderboard order.
func leaderboardTable(lb *leaderboard.Leaderboard) table {
	t := table{header: []string{"METRIC", "#", "MODEL", "SITES", "SIGNED", "MEAN", "WEIGHTED MEAN", "CASES", "WORST", "MEAN RANK"}}
	for _, b := range lb.Boards {
		for i, s := range b.Rows {
			var cells []leaderboard.Cell
			if i < len(b.Cells) {
				cells = b.Cells[i]
			}
			t.rows = append(t.rows, []string{b.Metric, strconv.Itoa(s.Position), fmt.Sprintf("%s (%d)", s.Model.Name, s.Model.ID),
				strconv.Itoa(s.Sites), signedOf(cells, s.Sites), optNumber(s.Mean), optNumber(s.WeightedMean), strconv.FormatInt(s.Cases, 10),
				optNumber(s.Worst), optNumber(s.MeanRank)})
		}
	}
	if len(t.rows) == 0 {
		t.rows = append(t.rows, []string{"(no results you may see)"})
	}
	return t
}

func optNumber(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'g', 4, 64)
}

// signedOf says how many of a row's values are signed by their site, of
// the row's sites ("2/3"); "-" when the cells are not shown (a published
// leaderboard keeps aggregates only).
func signedOf(cells []leaderboard.Cell, sites int) string {
	if len(cells) == 0 {
		return "-"
	}
	n := 0
	for _, c := range cells {
		if c.Value != nil && c.Signed {
			n++
		}
	}
	return strconv.Itoa(n) + "/" + strconv.Itoa(sites)
}
