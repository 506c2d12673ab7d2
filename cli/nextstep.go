package cli

import (
	"fmt"

	"github.com/medperf/medperf"
)

// step is who acts next in the flow, and with which command.
type step struct {
	Who, Command string
}

// ranBenchmark is the state after `benchmark run`: results kept locally,
// of a dataset that has joined the benchmark or not.
type ranBenchmark struct {
	Benchmark, Dataset int64
	Joined             bool
}

// preparedDataset is what `dataset prepare` prints: the state after it.
type preparedDataset struct {
	Dataset  int64 `json:"dataset"`
	Prepared bool  `json:"prepared"`
}

// nextSteps is the one place that knows the flow: after an entity reached
// the state v holds (what a command that changed it returns), who acts next
// and with which command. nil when nothing follows (e.g. a rejection that
// ends the pair's story).
func nextSteps(v any) []step {
	switch x := v.(type) {
	case *medperf.Benchmark:
		return benchmarkNext(x)
	case *medperf.Container:
		if x.IsModel {
			return []step{{"you, the model owner", fmt.Sprintf("medperf model associate -m %d -b BENCHMARK", x.ID)}}
		}
		return []step{{"the benchmark owner", fmt.Sprintf("medperf benchmark submit ... with -p, -m or -e %d", x.ID)}}
	case *medperf.Dataset:
		if x.State == medperf.StateOperation {
			return []step{{"you, the data owner", fmt.Sprintf("medperf dataset associate -d %d -b BENCHMARK", x.ID)}}
		}
		return []step{{"you, the data owner", fmt.Sprintf("medperf dataset prepare -d %d", x.ID)}}
	case preparedDataset:
		return []step{{"you, the data owner", fmt.Sprintf("medperf dataset set-operational -d %d", x.Dataset)}}
	case *medperf.Association:
		return associationNext(x)
	case ranBenchmark:
		if !x.Joined {
			return []step{{"you, the data owner", fmt.Sprintf("medperf dataset associate -d %d -b %d (results of a dataset that has not joined are not submitted)", x.Dataset, x.Benchmark)}}
		}
		return []step{{"you, the data owner", fmt.Sprintf("medperf result submit -b %d -d %d (review what is sent first)", x.Benchmark, x.Dataset)}}
	case []*medperf.Result:
		if len(x) == 0 {
			return nil
		}
		return []step{{"the benchmark owner", fmt.Sprintf("medperf benchmark leaderboard -b %d", x[0].BenchmarkID)}}
	case *medperf.Result:
		return nextSteps([]*medperf.Result{x})
	}
	return nil
}

func benchmarkNext(b *medperf.Benchmark) []step {
	switch b.ApprovalStatus {
	case medperf.StatusPending:
		return []step{{"an admin", fmt.Sprintf("medperf benchmark approve -b %d", b.ID)}}
	case medperf.StatusApproved:
		return []step{
			{"model owners", fmt.Sprintf("medperf model associate -m MODEL -b %d", b.ID)},
			{"data owners", fmt.Sprintf("medperf dataset submit -b %d -d DATA -l LABELS --name NAME", b.ID)},
		}
	}
	return nil
}

func associationNext(a *medperf.Association) []step {
	flag := "-d"
	if a.Kind == medperf.KindModel {
		flag = "-m"
	}
	switch a.ApprovalStatus {
	case medperf.StatusPending:
		return []step{{"the benchmark owner", fmt.Sprintf("medperf association approve -b %d %s %d (or reject)", a.BenchmarkID, flag, a.ComponentID)}}
	case medperf.StatusApproved:
		if a.Kind == medperf.KindModel {
			return []step{{"the benchmark's data owners", fmt.Sprintf("medperf benchmark run -b %d -d DATASET (runs every approved model)", a.BenchmarkID)}}
		}
		return []step{{"the data owner", fmt.Sprintf("medperf benchmark run -b %d -d %d", a.BenchmarkID, a.ComponentID)}}
	}
	return nil
}

// changed renders v, the entity a command changed, then says on stderr
// who acts next and with which command.
func (e *env) changed(format string, v any, tab func() table) error {
	return e.changedAs(format, v, v, tab)
}

// changedAs renders v, then says on stderr what follows state.
func (e *env) changedAs(format string, v, state any, tab func() table) error {
	if err := render(e.stdout, format, v, tab); err != nil {
		return err
	}
	for _, s := range nextSteps(state) {
		fmt.Fprintf(e.stderr, "Next: %s: %s\n", s.Who, s.Command)
	}
	return nil
}
