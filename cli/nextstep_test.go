package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestNextSteps guards friction 8 of issue 13: after every state change,
// who acts next and with which command, from one function.
func TestNextSteps(t *testing.T) {
	tests := []struct {
		name    string
		state   any
		who     string
		command string
	}{
		{"a pending benchmark waits for an admin", &medperf.Benchmark{Common: medperf.Common{ID: 3}, ApprovalStatus: medperf.StatusPending}, "admin", "medperf benchmark approve -b 3"},
		{"an approved benchmark invites models", &medperf.Benchmark{Common: medperf.Common{ID: 3}, ApprovalStatus: medperf.StatusApproved}, "model owners", "medperf model associate -m MODEL -b 3"},
		{"a model is associated next", &medperf.Container{Common: medperf.Common{ID: 5}, IsModel: true}, "model owner", "medperf model associate -m 5 -b BENCHMARK"},
		{"a registered dataset is prepared", &medperf.Dataset{Common: medperf.Common{ID: 7}, State: medperf.StateDevelopment}, "data owner", "medperf dataset prepare -d 7"},
		{"a prepared dataset is made operational", preparedDataset{Dataset: 7}, "data owner", "medperf dataset set-operational -d 7"},
		{"an operational dataset asks to join", &medperf.Dataset{Common: medperf.Common{ID: 7}, State: medperf.StateOperation}, "data owner", "medperf dataset associate -d 7 -b BENCHMARK"},
		{"a pending dataset association waits for the benchmark owner", &medperf.Association{BenchmarkID: 3, Kind: medperf.KindDataset, ComponentID: 7, ApprovalStatus: medperf.StatusPending}, "benchmark owner", "medperf association approve -b 3 -d 7"},
		{"an approved dataset runs the benchmark", &medperf.Association{BenchmarkID: 3, Kind: medperf.KindDataset, ComponentID: 7, ApprovalStatus: medperf.StatusApproved}, "data owner", "medperf benchmark run -b 3 -d 7"},
		{"an approved model is run by the data owners", &medperf.Association{BenchmarkID: 3, Kind: medperf.KindModel, ComponentID: 5, ApprovalStatus: medperf.StatusApproved}, "data owners", "medperf benchmark run -b 3 -d DATASET"},
		{"a run of a joined dataset is submitted", ranBenchmark{3, 7, true}, "data owner", "medperf result submit -b 3 -d 7"},
		{"a run of a dataset that has not joined asks to join", ranBenchmark{3, 7, false}, "data owner", "medperf dataset associate -d 7 -b 3"},
		{"submitted results go to the leaderboard", []*medperf.Result{{BenchmarkID: 3}}, "benchmark owner", "medperf benchmark leaderboard -b 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := nextSteps(tt.state)
			if len(steps) == 0 || !strings.Contains(steps[0].Who, tt.who) || !strings.HasPrefix(steps[0].Command, tt.command) {
				t.Fatalf("steps %+v, want %s: %s", steps, tt.who, tt.command)
			}
		})
	}
	for _, end := range []any{&medperf.Association{ApprovalStatus: medperf.StatusRejected}, []*medperf.Result{}, "other"} {
		if s := nextSteps(end); s != nil {
			t.Errorf("nextSteps(%v) = %+v, want none", end, s)
		}
	}
}

func TestApprovalSaysWhoActsNext(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	if _, err := w.DataOwner.RequestAssociation(context.Background(), w.Benchmark.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: w.Dataset.ID}); err != nil {
		t.Fatal(err)
	}
	loggedInAs(t, ts, w.BenchmarkOwner.Token)
	code, out, errOut := runCLI(t, "association", "approve", "-b", id(w.Benchmark.ID), "-d", id(w.Dataset.ID), "-o", "json")
	want := "Next: the data owner: medperf benchmark run -b " + id(w.Benchmark.ID) + " -d " + id(w.Dataset.ID)
	if code != 0 || !strings.Contains(errOut, want) || json.Unmarshal([]byte(out), &medperf.Association{}) != nil {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
