package leaderboard

import (
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteResultsCSV writes results as CSV: a header row, then one row per
// result sorted by benchmark, model, dataset and result ID. The columns are
// result_id, benchmark, model_id, model, dataset_id, dataset, signed (true
// when the result carries its site's verified signature), then one
// column per metric key found in any result, sorted by name; a result
// without a metric has an empty cell. Names are neutralised for spreadsheets
// (see safeText).
func WriteResultsCSV(w io.Writer, results []Result) error {
	keys := metricKeys(results)
	sorted := append([]Result(nil), results...)
	sort.Slice(sorted, func(i, j int) bool { return resultLess(sorted[i], sorted[j]) })

	cw := csv.NewWriter(w)
	header := append([]string{"result_id", "benchmark", "model_id", "model", "dataset_id", "dataset", "signed"}, safeTexts(keys)...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range sorted {
		row := []string{id(r.ID), id(r.Benchmark), id(r.Model.ID), safeText(r.Model.Name), id(r.Dataset.ID), safeText(r.Dataset.Name),
			strconv.FormatBool(r.Signed)}
		for _, k := range keys {
			v, ok := r.Metrics[k]
			row = append(row, number(v, ok))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func metricKeys(results []Result) []string {
	seen := map[string]bool{}
	for _, r := range results {
		for k := range r.Metrics {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func resultLess(a, b Result) bool {
	switch {
	case a.Benchmark != b.Benchmark:
		return a.Benchmark < b.Benchmark
	case a.Model.ID != b.Model.ID:
		return a.Model.ID < b.Model.ID
	case a.Dataset.ID != b.Dataset.ID:
		return a.Dataset.ID < b.Dataset.ID
	}
	return a.ID < b.ID
}

// leaderboardColumns are the fixed columns of WriteCSV.
var leaderboardColumns = []string{
	"metric", "direction", "position", "model_id", "model", "sites", "mean", "weighted_mean", "cases",
	"worst", "worst_dataset_id", "worst_dataset", "mean_rank", "signed_sites",
}

// WriteCSV writes lb as CSV: a header row, then one row per metric and
// model, boards in lb's order and models in row order. After the fixed
// columns (metric, direction, position, model_id, model, sites, mean,
// weighted_mean, cases, worst, worst_dataset_id, worst_dataset, mean_rank,
// signed_sites: how many of the row's values come from signed results)
// comes one column per dataset, in lb.Datasets order, headed
// "dataset ID: NAME" and holding the model's value there. Missing values
// are empty cells.
func WriteCSV(w io.Writer, lb *Leaderboard) error {
	cw := csv.NewWriter(w)
	header := append([]string(nil), leaderboardColumns...)
	for _, d := range lb.Datasets {
		header = append(header, safeText("dataset "+id(d.ID)+": "+d.Name))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, b := range lb.Boards {
		for i, s := range b.Rows {
			var cells []Cell
			if i < len(b.Cells) { // a published or bounded leaderboard has no cells
				cells = b.Cells[i]
			}
			if err := cw.Write(leaderboardRow(b, s, cells)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func leaderboardRow(b Board, s Summary, cells []Cell) []string {
	worstID, worstName := "", ""
	if s.WorstDataset != nil {
		worstID, worstName = id(s.WorstDataset.ID), safeText(s.WorstDataset.Name)
	}
	row := []string{
		safeText(b.Metric), string(b.Direction), strconv.Itoa(s.Position), id(s.Model.ID), safeText(s.Model.Name),
		strconv.Itoa(s.Sites), optional(s.Mean), optional(s.WeightedMean), strconv.FormatInt(s.Cases, 10),
		optional(s.Worst), worstID, worstName, optional(s.MeanRank), strconv.Itoa(signedCells(cells)),
	}
	for _, c := range cells {
		row = append(row, optional(c.Value))
	}
	return row
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// number is v without the noise of binary arithmetic (a mean of 0.4, 0.4165
// and 0.4085 is 0.40834650000000006): rounded to 15 significant digits, the
// most a float64 holds exactly, then written in the shortest form that reads
// back as that rounded value (0.4083465).
func number(v float64, ok bool) string {
	if !ok {
		return ""
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil { // ±Inf or NaN: written as they are
		r = v
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}

func optional(v *float64) string {
	if v == nil {
		return ""
	}
	return number(*v, true)
}

// safeText keeps a spreadsheet from reading a user-given name as a formula
// (CSV injection): text that starts with '=', '+', '-', '@', a tab or a
// carriage return gets a leading apostrophe. Numbers are never passed here.
func safeText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func safeTexts(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = safeText(s)
	}
	return out
}

// signedCells counts the values among cells that come from signed results.
func signedCells(cells []Cell) int {
	n := 0
	for _, c := range cells {
		if c.Value != nil && c.Signed {
			n++
		}
	}
	return n
}
