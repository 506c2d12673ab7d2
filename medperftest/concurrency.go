package medperftest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/medperf/medperf"
)

// CheckConcurrentWrites runs 50 goroutines at once against w's registry —
// approving and rejecting the same association requests, approving one
// dataset request ten times, and submitting the same result twenty times
// (half with one idempotency key) — then checks that no call failed with an
// internal error, that exactly one result exists, that no decision was lost
// or applied twice, and that the audit log records exactly what succeeded.
func CheckConcurrentWrites(t *testing.T, w *World) {
	t.Helper()
	ctx := context.Background()
	const pairs = 10
	type pair struct {
		owner User
		model *medperf.Container
	}
	ps := make([]pair, pairs)
	for i := range ps {
		u := w.NewUser(t, "racer")
		m := MustContainer(t, u, ContainerInput("race", medperf.StateOperation, medperf.TaskInfer))
		Must[*medperf.Association](t)(u.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindModel, medperf.AssociationRequest{ComponentID: m.ID}))
		ps[i] = pair{u, m}
	}
	Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
	auditBefore := Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: medperf.Page{Limit: 1}})).Total

	var (
		mu        sync.Mutex
		errs      []error
		decided   = map[int64][]string{} // model id -> successful actions
		dsApprove int
		results   = map[int64]int{} // result id -> times returned
		created   int
	)
	record := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	run := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn()
		}()
	}
	for _, p := range ps {
		p := p
		run(func() { // the benchmark owner approves
			_, err := w.BenchmarkOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindModel, p.model.ID, medperf.AssociationDecision{ApprovalStatus: Ptr(medperf.StatusApproved)})
			record(err)
			if err == nil {
				mu.Lock()
				decided[p.model.ID] = append(decided[p.model.ID], "approve")
				mu.Unlock()
			}
		})
		run(func() { // the initiator rejects (or withdraws, if approval came first)
			_, err := p.owner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindModel, p.model.ID, medperf.AssociationDecision{ApprovalStatus: Ptr(medperf.StatusRejected)})
			record(err)
			if err == nil {
				mu.Lock()
				decided[p.model.ID] = append(decided[p.model.ID], "reject")
				mu.Unlock()
			}
		})
		run(func() { // the same dataset request, approved ten times
			_, err := w.BenchmarkOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, w.Dataset.ID, medperf.AssociationDecision{ApprovalStatus: Ptr(medperf.StatusApproved)})
			record(err)
			if err == nil {
				mu.Lock()
				dsApprove++
				mu.Unlock()
			}
		})
	}
	for i := range 20 {
		key := "same-key"
		if i%2 == 1 {
			key = fmt.Sprintf("key-%d", i)
		}
		run(func() {
			r, isNew, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
				ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: Metrics(0.5), IdempotencyKey: key})
			record(err)
			if err == nil {
				mu.Lock()
				results[r.ID]++
				if isNew {
					created++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()

	for _, err := range errs {
		if c := medperf.ErrorCode(err); c != "" && c != medperf.CodeConflict {
			t.Errorf("a concurrent call failed with %s: %v (cause: %v)", c, err, errors.Unwrap(err))
		}
	}
	if created != 1 || len(results) != 1 {
		t.Errorf("%d results created, %d distinct results returned; want exactly one", created, len(results))
	}
	if dsApprove != 1 {
		t.Errorf("the dataset request was approved %d times", dsApprove)
	}
	events := 1 + dsApprove // the result, the dataset approval
	for _, p := range ps {
		acts := decided[p.model.ID]
		slices.Sort(acts) // the order calls returned in is not the order they committed in
		h := Must[[]medperf.Association](t)(w.Stranger.AssociationHistory(ctx, w.Benchmark.ID, medperf.KindModel, p.model.ID))
		latest := h[len(h)-1].ApprovalStatus
		switch fmt.Sprint(acts) {
		case "[reject]": // rejected first; the approval was refused
			if len(h) != 1 || latest != medperf.StatusRejected {
				t.Errorf("model %d: %v but history %v", p.model.ID, acts, statuses(h))
			}
		case "[approve reject]": // approved, then withdrawn (a rejection first would refuse the approval)
			if len(h) != 2 || h[0].ApprovalStatus != medperf.StatusApproved || latest != medperf.StatusRejected {
				t.Errorf("model %d: %v but history %v", p.model.ID, acts, statuses(h))
			}
		default:
			t.Errorf("model %d: impossible outcome %v (history %v)", p.model.ID, acts, statuses(h))
		}
		events += len(acts)
	}
	auditAfter := Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{Page: medperf.Page{Limit: 1}})).Total
	if auditAfter-auditBefore != events {
		t.Errorf("%d audit events for %d successful changes", auditAfter-auditBefore, events)
	}
}

func statuses(h []medperf.Association) []medperf.ApprovalStatus {
	var out []medperf.ApprovalStatus
	for _, a := range h {
		out = append(out, a.ApprovalStatus)
	}
	return out
}
