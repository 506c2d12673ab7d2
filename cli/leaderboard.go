package cli

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

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
		Short: "Show a benchmark's leaderboard: each model's value and rank at each site, mean, weighted mean, worst site and mean rank",
		Long: "Shows the leaderboard of a benchmark as you may see it: every result if you own the benchmark (or are an\n" +
			"admin), the results of your models and datasets otherwise, or the published aggregate rows when the\n" +
			"benchmark's owner published them. The table shows one metric, the primary one or --metric (json, yaml and\n" +
			"csv hold every metric without --metric); rows are sorted by it. See docs/leaderboard.md.",
		Example: "  medperf benchmark leaderboard -b 1\n  medperf benchmark leaderboard -b 1 --metric dice_mean --output csv > board.csv",
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
		ctx := cmd.Context()
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
		if *out == formatTable {
			io.WriteString(e.stdout, leaderboardTitle(lb))
			if others := otherMetrics(lb); len(others) > 0 {
				defer fmt.Fprintf(e.stderr, "other metrics: %s (show one with --metric NAME)\n", strings.Join(others, ", "))
			}
		}
		return render(e.stdout, *out, lb, func() table { return leaderboardTable(lb) })
	}
	return c
}

// leaderboardTable is the board of one metric (the one sorted by: the
// primary metric, or --metric) as the demo prints it: a row per model, best
// first, with its value at each site and its rank there in parentheses,
// then the mean, weighted mean, worst site, mean rank and cases. Every value
// of the metric has the same number of decimals: three significant digits
// of the largest, then how many of the row's site values are signed by
// their site (SIGNED, "-" for aggregates). Published aggregates have no
// per-site values: only the summary columns are shown.
func leaderboardTable(lb *leaderboard.Leaderboard) table {
	if len(lb.Boards) == 0 || len(lb.Boards[0].Rows) == 0 {
		return table{rows: [][]string{{"(no results you may see)"}}}
	}
	b := lb.Boards[0]
	dec := boardDecimals(b)
	sites := len(b.Cells) == len(b.Rows) && len(lb.Datasets) > 0
	t := table{header: []string{"#", "MODEL"}}
	if sites {
		for _, d := range lb.Datasets {
			t.header = append(t.header, fmt.Sprintf("%s (%d)", d.Name, d.ID))
		}
	} else {
		t.header = append(t.header, "SITES")
	}
	t.header = append(t.header, "MEAN", "WEIGHTED MEAN", "WORST", "MEAN RANK", "CASES", "SIGNED")
	for i, s := range b.Rows {
		row := []string{strconv.Itoa(s.Position), fmt.Sprintf("%s (%d)", s.Model.Name, s.Model.ID)}
		if sites {
			for _, c := range b.Cells[i] {
				row = append(row, siteCell(c, dec))
			}
		} else {
			row = append(row, strconv.Itoa(s.Sites))
		}
		var cells []leaderboard.Cell
		if sites {
			cells = b.Cells[i]
		}
		row = append(row, fixed(s.Mean, dec), fixed(s.WeightedMean, dec), worstCell(s, dec), fixed(s.MeanRank, 1), strconv.FormatInt(s.Cases, 10),
			signedOf(cells, s.Sites))
		t.rows = append(t.rows, row)
	}
	return t
}

// leaderboardTitle says which metric the table shows and which way is
// better, and names the others.
func leaderboardTitle(lb *leaderboard.Leaderboard) string {
	if len(lb.Boards) == 0 {
		return ""
	}
	b := lb.Boards[0]
	title := fmt.Sprintf("Benchmark %d, metric %s", lb.Benchmark, b.Metric)
	if b.Direction != "" {
		title += fmt.Sprintf(" (%s is better; rank at each site in parentheses)", b.Direction)
	}
	return title + "\n"
}

// otherMetrics lists the metrics of lb other than the one shown.
func otherMetrics(lb *leaderboard.Leaderboard) []string {
	var names []string
	for i, b := range lb.Boards {
		if i > 0 {
			names = append(names, b.Metric)
		}
	}
	return names
}

func siteCell(c leaderboard.Cell, dec int) string {
	if c.Value == nil {
		return "-"
	}
	v := fixed(c.Value, dec)
	if c.Rank != nil {
		v += " (" + number(*c.Rank) + ")"
	}
	return v
}

func worstCell(s leaderboard.Summary, dec int) string {
	v := fixed(s.Worst, dec)
	if s.Worst != nil && s.WorstDataset != nil {
		v += " @ " + s.WorstDataset.Name
	}
	return v
}

// boardDecimals is how many decimals give the largest value of b three
// significant digits (0 for values of 1000 and more, at most 6).
func boardDecimals(b leaderboard.Board) int {
	largest := 0.0
	see := func(v *float64) {
		if v != nil && !math.IsInf(*v, 0) && !math.IsNaN(*v) {
			largest = math.Max(largest, math.Abs(*v))
		}
	}
	for _, row := range b.Cells {
		for _, c := range row {
			see(c.Value)
		}
	}
	for _, s := range b.Rows {
		see(s.Mean)
		see(s.WeightedMean)
		see(s.Worst)
	}
	if largest == 0 {
		return 3
	}
	intDigits := int(math.Floor(math.Log10(largest))) + 1
	return min(max(3-intDigits, 0), 6)
}

func fixed(v *float64, dec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', dec, 64)
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
