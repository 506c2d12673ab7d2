package play

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/medperf/medperf/leaderboard"
)

// Report is what a demo played: `medperf demo --output json` prints it.
type Report struct {
	// Runtime is RuntimeDocker or RuntimeLocal; Sandboxed tells, for the
	// local runtime, whether bubblewrap sandboxed the cubes.
	Runtime   string   `json:"runtime"`
	Sandboxed bool     `json:"sandboxed,omitempty"`
	Images    []string `json:"images,omitempty"`
	Server    string   `json:"server"`
	// Dir is the kept directory (Options.Dir), empty for a temporary one.
	Dir       string `json:"dir,omitempty"`
	Benchmark int64  `json:"benchmark"`
	// Results has one entry per (site, model), sorted by site then model.
	Results []Result `json:"results"`
	// Rankings lists, per site, the models from best to worst by the
	// primary metric.
	Rankings    map[string][]string      `json:"rankings"`
	Leaderboard *leaderboard.Leaderboard `json:"leaderboard"`
	// ImageBuild is the seconds spent building the images (Docker only);
	// Seconds the seconds the federated evaluation took, from the first
	// account to the leaderboard.
	ImageBuild float64 `json:"image_build_seconds,omitempty"`
	Seconds    float64 `json:"seconds"`
	// Trust counts the signed values and reports the final audit verify.
	Trust *TrustReport `json:"trust,omitempty"`
}

// Result is one submitted result: Metrics exactly as submitted.
type Result struct {
	Site      string          `json:"site"`
	DatasetID int64           `json:"dataset_id"`
	Model     string          `json:"model"`
	ModelID   int64           `json:"model_id"`
	ResultID  int64           `json:"result_id"`
	Metrics   json.RawMessage `json:"metrics"`
}

func (p *player) addResult(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.report.Results = append(p.report.Results, r)
}

// leaderboard fetches the benchmark owner's leaderboard from the API (as
// 'medperf benchmark leaderboard' does), and derives the per-site rankings.
func (p *player) leaderboard(ctx context.Context) error {
	bo := p.owner()
	lb, err := bo.cl.Leaderboard(ctx, p.benchmark, "")
	if err != nil {
		return stepError("reading the leaderboard", err)
	}
	p.report.Leaderboard = lb
	p.report.Rankings = rankings(lb)
	slices.SortFunc(p.report.Results, func(a, b Result) int {
		if c := strings.Compare(a.Site, b.Site); c != 0 {
			return c
		}
		return strings.Compare(a.Model, b.Model)
	})
	p.step(bo.role, "read the leaderboard: %d models at %d sites, sorted by %s", len(lb.Models), len(lb.Datasets), lb.SortedBy)
	return nil
}

// rankings orders the models at each site by the primary metric's ranks.
func rankings(lb *leaderboard.Leaderboard) map[string][]string {
	out := map[string][]string{}
	if len(lb.Boards) == 0 {
		return out
	}
	board := lb.Boards[0] // the primary metric's
	for j, d := range lb.Datasets {
		type ranked struct {
			model string
			rank  float64
		}
		var rs []ranked
		for i, m := range lb.Models {
			if r := board.Cells[i][j].Rank; r != nil {
				rs = append(rs, ranked{m.Name, *r})
			}
		}
		slices.SortStableFunc(rs, func(a, b ranked) int {
			if a.rank != b.rank {
				if a.rank < b.rank {
					return -1
				}
				return 1
			}
			return strings.Compare(a.model, b.model)
		})
		for _, r := range rs {
			out[d.Name] = append(out[d.Name], r.model)
		}
	}
	return out
}

// Print writes the leaderboard of the primary metric and the per-site
// rankings as text.
func (r *Report) Print(w io.Writer) {
	lb := r.Leaderboard
	if lb == nil || len(lb.Boards) == 0 {
		fmt.Fprintln(w, "no results")
		return
	}
	b := lb.Boards[0]
	fmt.Fprintf(w, "Leaderboard of benchmark %d by %s (%s is better), runtime %s:\n\n", r.Benchmark, b.Metric, b.Direction, r.Runtime)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	head := []string{"#", "MODEL"}
	for _, d := range lb.Datasets {
		head = append(head, d.Name)
	}
	head = append(head, "MEAN", "WEIGHTED", "WORST", "MEAN RANK")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i, m := range lb.Models {
		s := b.Rows[i]
		row := []string{fmt.Sprint(s.Position), m.Name}
		for j := range lb.Datasets {
			row = append(row, num(b.Cells[i][j].Value))
		}
		row = append(row, num(s.Mean), num(s.WeightedMean), num(s.Worst), num(s.MeanRank))
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintln(w, "\nBest to worst at each site:")
	for _, d := range lb.Datasets {
		fmt.Fprintf(w, "  %-8s %s\n", d.Name, strings.Join(r.Rankings[d.Name], " > "))
	}
	r.Trust.print(w)
}

func num(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.3f", *v)
}
