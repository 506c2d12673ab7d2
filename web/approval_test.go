package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// compatMetadata is what a site sends with an association request.
func compatMetadata(dice float64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"compatibility_test":{"data":"prepared dataset","results":{"dice":%v,"hd95":3.5}}}`, dice))
}

// TestApprovalPageShowsWhatADecisionNeeds checks the requester's name and
// email, the test's metrics next to the reference model's mean, the
// statistics and the history, for the benchmark's owner; and that the
// metrics (association metadata) are hidden from users who may not see
// the pair's results (issue 12 finding 6).
func TestApprovalPageShowsWhatADecisionNeeds(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	second := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("second-site", w.Preparator.ID, medperf.StateOperation))
	medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset,
		medperf.AssociationRequest{ComponentID: second.ID, Metadata: compatMetadata(0.875)}))
	path := fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", w.Benchmark.ID, second.ID)

	t.Run("the benchmark owner sees the requester, the test, the statistics and the history", func(t *testing.T) {
		b, _ := signedIn(t, ts, &w.BenchmarkOwner)
		p := b.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("status %d", p.status)
		}
		for _, want := range []string{w.DataOwner.Name, "mailto:" + w.DataOwner.Email, `data-metric="dice"`, "0.875", `id="statistics"`, `id="history"`, `id="approve"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if !strings.Contains(p.body, "Reference model, mean of") {
			t.Error("no reference-model column")
		}
	})
	t.Run("a stranger sees neither the metrics nor the requester's email", func(t *testing.T) {
		b, _ := signedIn(t, ts, &w.Stranger)
		p := b.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("status %d", p.status)
		}
		if strings.Contains(p.body, "0.875") || strings.Contains(p.body, `id="comparison"`) || !strings.Contains(p.body, `id="test-hidden"`) {
			t.Error("a stranger sees the compatibility-test metrics")
		}
		if strings.Contains(p.body, w.DataOwner.Email) || !strings.Contains(p.body, w.DataOwner.Name) {
			t.Error("a stranger sees the requester's email, or not their name")
		}
		if strings.Contains(p.body, `id="approve"`) {
			t.Error("a stranger is offered a decision")
		}
	})
}
