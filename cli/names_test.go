package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestTablesNameWhatTheyReference guards friction 7 of issue 13: tables
// and views show names and emails next to ids (emails only where the API
// shows them: the caller's own, any to an admin, and across an association
// request), json keeps the ids.
func TestTablesNameWhatTheyReference(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	email := func(u medperftest.User) string { return "<" + u.Email + "> (" + id(u.ID) + ")" }
	tests := []struct {
		name  string
		token string
		args  []string
		want  []string
	}{
		{"association ls names the benchmark, the component and the requester", w.BenchmarkOwner.Token,
			[]string{"association", "ls", "-b", id(w.Benchmark.ID)}, []string{label(w.Benchmark.Name, w.Benchmark.ID), label(w.Dataset.Name, w.Dataset.ID)}},
		{"an admin sees the requester's email", w.Admin.Token,
			[]string{"association", "ls", "-b", id(w.Benchmark.ID)}, []string{email(w.DataOwner)}},
		{"the benchmark owner, not an admin, sees the requester's email", w.BenchmarkOwner.Token,
			[]string{"association", "ls", "-b", id(w.Benchmark.ID)}, []string{email(w.DataOwner)}},
		{"dataset ls names the preparator and the owner", w.DataOwner.Token,
			[]string{"dataset", "ls", "--mine"}, []string{label(w.Preparator.Name, w.Preparator.ID), email(w.DataOwner)}},
		{"a view names its references", w.DataOwner.Token,
			[]string{"dataset", "view", id(w.Dataset.ID)}, []string{label(w.Preparator.Name, w.Preparator.ID), email(w.DataOwner)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loggedInAs(t, ts, tt.token)
			code, out, errOut := runCLI(t, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
		})
	}
	t.Run("json keeps plain ids", func(t *testing.T) {
		loggedInAs(t, ts, w.DataOwner.Token)
		_, out, _ := runCLI(t, "dataset", "ls", "--mine", "-o", "json")
		if strings.Contains(out, w.DataOwner.Email) {
			t.Fatalf("json has names:\n%s", out)
		}
	})
	t.Run("a nil resolver shows ids alone", func(t *testing.T) {
		var n *names
		if n.user(4) != "4" || n.container(2) != "2" {
			t.Fatal("nil names")
		}
	})
	t.Run("lookups are bounded", func(t *testing.T) {
		n := newNames(context.Background(), ts.Client(t, w.Admin.Token))
		n.lookups = maxNameLookups
		if got := n.container(w.Preparator.ID); got != id(w.Preparator.ID) {
			t.Fatalf("got %q past the bound", got)
		}
	})
}
