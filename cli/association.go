package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

func newAssociationCmd(e *env) *cobra.Command {
	c := groupCmd("association", "List associations of benchmarks with datasets and models; approve, reject, prioritize")
	c.AddCommand(newAssociationLsCmd(e), newAssociationDecisionCmd(e, "approve", medperf.StatusApproved),
		newAssociationDecisionCmd(e, "reject", medperf.StatusRejected), newAssociationPriorityCmd(e))
	return c
}

// pairFlags are -b and one of -d / -m.
type pairFlags struct{ benchmark, dataset, model int64 }

func addPairFlags(c *cobra.Command) *pairFlags {
	p := &pairFlags{}
	c.Flags().Int64VarP(&p.benchmark, "benchmark", "b", 0, "benchmark id (required)")
	c.Flags().Int64VarP(&p.dataset, "dataset", "d", 0, "dataset id")
	c.Flags().Int64VarP(&p.model, "model", "m", 0, "model id")
	return p
}

// pair returns the component kind and id, requiring exactly one of -d and -m.
func (p *pairFlags) pair() (medperf.ComponentKind, int64, error) {
	if err := requireID("benchmark", p.benchmark); err != nil {
		return "", 0, err
	}
	switch {
	case p.dataset > 0 && p.model > 0:
		return "", 0, medperf.FieldError("-d/-m", "give either a dataset (-d) or a model (-m), not both")
	case p.dataset > 0:
		return medperf.KindDataset, p.dataset, nil
	case p.model > 0:
		return medperf.KindModel, p.model, nil
	}
	return "", 0, medperf.FieldError("-d/-m", "give a dataset (-d) or a model (-m)")
}

func newAssociationLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls [-b BENCHMARK] [-d ID | -m ID] [--status S]", Short: "List the latest association of each pair (of every benchmark without -b)", Args: cobra.NoArgs}
	p := addPairFlags(c)
	// Without -b, ls lists every benchmark's associations: say so in the
	// flag's help as the usage line does (addPairFlags says "required").
	c.Flags().Lookup("benchmark").Usage = "benchmark id (default: every benchmark)"
	status := c.Flags().String("status", "", "only PENDING, APPROVED or REJECTED ones")
	c.PreRunE = func(*cobra.Command, []string) error {
		if p.dataset > 0 && p.model > 0 {
			return medperf.FieldError("-d/-m", "give either a dataset (-d) or a model (-m), not both")
		}
		return nil
	}
	listCmd(e, c, func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Association, int, error) {
		filters, err := associationFilters(ctx, cl, p, medperf.ApprovalStatus(strings.ToUpper(*status)))
		if err != nil {
			return nil, 0, err
		}
		return collectAssociations(ctx, cl, filters, limit)
	}, func(as []medperf.Association) table {
		t := table{header: []string{"BENCHMARK", "KIND", "COMPONENT", "STATUS", "PRIORITY", "REQUESTED BY", "COMPATIBILITY TEST"}}
		for _, a := range as {
			t.rows = append(t.rows, []string{e.names.benchmark(a.BenchmarkID), string(a.Kind), e.names.component(a.Kind, a.ComponentID), string(a.ApprovalStatus),
				cell(float64(a.Priority)), e.names.user(a.InitiatedBy), compatCell(a, e.names.benchmarkEntity(a.BenchmarkID))})
		}
		return t
	})
	return c
}

// associationFilters returns the lists `association ls` shows, in order: for
// each benchmark (-b, else every benchmark), its datasets' then its models'
// associations, leaving out the kind the other of -d / -m excludes.
func associationFilters(ctx context.Context, cl *client.Client, p *pairFlags, status medperf.ApprovalStatus) ([]medperf.AssociationFilter, error) {
	benchmarks := []int64{p.benchmark}
	if p.benchmark == 0 {
		all, err := client.All(ctx, func(ctx context.Context, pg medperf.Page) (*medperf.List[medperf.Benchmark], error) {
			return cl.ListBenchmarks(ctx, medperf.BenchmarkFilter{Page: pg})
		})
		if err != nil {
			return nil, err
		}
		benchmarks = benchmarks[:0]
		for _, b := range all {
			benchmarks = append(benchmarks, b.ID)
		}
	}
	var filters []medperf.AssociationFilter
	for _, b := range benchmarks {
		if p.model == 0 {
			filters = append(filters, medperf.AssociationFilter{BenchmarkID: b, Kind: medperf.KindDataset, ComponentID: p.dataset, ApprovalStatus: status})
		}
		if p.dataset == 0 {
			filters = append(filters, medperf.AssociationFilter{BenchmarkID: b, Kind: medperf.KindModel, ComponentID: p.model, ApprovalStatus: status})
		}
	}
	return filters, nil
}

// collectAssociations returns the first limit associations of the lists
// filters name, one after the other (every one when limit is 0), and how
// many they hold in all; a list past the limit is only counted.
func collectAssociations(ctx context.Context, cl *client.Client, filters []medperf.AssociationFilter, limit int) ([]medperf.Association, int, error) {
	items, total := []medperf.Association{}, 0
	for _, f := range filters {
		list := func(ctx context.Context, pg medperf.Page) (*medperf.List[medperf.Association], error) {
			f.Page = pg
			return cl.ListAssociations(ctx, f)
		}
		if limit > 0 && len(items) >= limit {
			l, err := list(ctx, medperf.Page{Limit: 1})
			if err != nil {
				return nil, 0, err
			}
			total += l.Total
			continue
		}
		rest := 0
		if limit > 0 {
			rest = limit - len(items)
		}
		got, n, err := client.Collect(ctx, rest, list)
		if err != nil {
			return nil, 0, err
		}
		items, total = append(items, got...), total+n
	}
	return items, total, nil
}

func newAssociationDecisionCmd(e *env, verb string, to medperf.ApprovalStatus) *cobra.Command {
	short := "Approve a pending association (the other party than the one who asked)"
	if to == medperf.StatusRejected {
		short = "Reject a pending association, or withdraw an approved one"
	}
	c := &cobra.Command{Use: verb + " -b BENCHMARK (-d ID | -m ID)", Short: short, Args: cobra.NoArgs}
	p := addPairFlags(c)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		kind, comp, err := p.pair()
		if err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		a, err := cl.DecideAssociation(c.Context(), p.benchmark, kind, comp, medperf.AssociationDecision{ApprovalStatus: &to})
		if err != nil {
			return err
		}
		return e.changed(*out, a, kvTable(a))
	}
	return c
}

func newAssociationPriorityCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "set-priority -b BENCHMARK -m MODEL -p N", Short: "Set a model's priority in runs (higher runs first; benchmark owner)", Args: cobra.NoArgs}
	p := addPairFlags(c)
	prio := c.Flags().IntP("priority", "p", 0, "priority")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if p.dataset > 0 {
			return medperf.FieldError("-d", "only model associations have a priority")
		}
		if err := requireIDs(map[string]int64{"benchmark": p.benchmark, "model": p.model}); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		a, err := cl.DecideAssociation(c.Context(), p.benchmark, medperf.KindModel, p.model, medperf.AssociationDecision{Priority: prio})
		if err != nil {
			return err
		}
		return render(e.stdout, *out, a, kvTable(a))
	}
	return c
}
