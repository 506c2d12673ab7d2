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
	ps := requestRacePairs(t, w, 10)
	Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
	auditBefore := auditTotal(t, w)

	r := &writeRace{decided: map[int64][]string{}, results: map[int64]int{}, start: make(chan struct{})}
	for _, p := range ps {
		r.decide(ctx, w, p)
	}
	for i := range 20 {
		key := "same-key"
		if i%2 == 1 {
			key = fmt.Sprintf("key-%d", i)
		}
		r.submit(ctx, w, key)
	}
	close(r.start)
	r.wg.Wait()

	r.checkErrors(t)
	if r.created != 1 || len(r.results) != 1 {
		t.Errorf("%d results created, %d distinct results returned; want exactly one", r.created, len(r.results))
	}
	if r.dsApprove != 1 {
		t.Errorf("the dataset request was approved %d times", r.dsApprove)
	}
	events := 1 + r.dsApprove // the result, the dataset approval
	for _, p := range ps {
		acts := r.decided[p.model.ID]
		slices.Sort(acts) // the order calls returned in is not the order they committed in
		h := Must[[]medperf.Association](t)(w.Stranger.AssociationHistory(ctx, w.Benchmark.ID, medperf.KindModel, p.model.ID))
		if err := checkDecisions(acts, h); err != nil {
			t.Errorf("model %d: %v", p.model.ID, err)
		}
		events += len(acts)
	}
	if got := auditTotal(t, w) - auditBefore; got != events {
		t.Errorf("%d audit events for %d successful changes", got, events)
	}
}

// racePair is a model whose owner asked to join the world's benchmark.
type racePair struct {
	owner User
	model *medperf.Container
}

// requestRacePairs makes n users, each with a model whose association with
// w's benchmark is requested.
func requestRacePairs(t *testing.T, w *World, n int) []racePair {
	t.Helper()
	ps := make([]racePair, n)
	for i := range ps {
		u := w.NewUser(t, "racer")
		m := MustContainer(t, u, ContainerInput("race", medperf.StateOperation, medperf.TaskInfer))
		Must[*medperf.Association](t)(u.RequestAssociation(context.Background(), w.Benchmark.ID, medperf.KindModel, medperf.AssociationRequest{ComponentID: m.ID}))
		ps[i] = racePair{u, m}
	}
	return ps
}

func auditTotal(t *testing.T, w *World) int {
	t.Helper()
	return Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(context.Background(), medperf.AuditFilter{Page: medperf.Page{Limit: 1}})).Total
}

// writeRace holds the goroutines of CheckConcurrentWrites, which all wait
// for start, and what their calls returned.
type writeRace struct {
	start chan struct{}
	wg    sync.WaitGroup

	mu        sync.Mutex
	errs      []error
	decided   map[int64][]string // model id -> successful actions
	dsApprove int
	results   map[int64]int // result id -> times returned
	created   int
}

// run starts fn in a goroutine that waits for start.
func (r *writeRace) run(fn func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		<-r.start
		fn()
	}()
}

// record keeps err and, when it is nil, applies ok, under the lock.
func (r *writeRace) record(err error, ok func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
	if err == nil {
		ok()
	}
}

// decide races, for pair p, the benchmark owner's approval, the initiator's
// rejection (or withdrawal, if approval came first) and one more approval
// of the world's dataset request.
func (r *writeRace) decide(ctx context.Context, w *World, p racePair) {
	decide := func(as User, kind medperf.ComponentKind, id int64, to medperf.ApprovalStatus) error {
		_, err := as.DecideAssociation(ctx, w.Benchmark.ID, kind, id, medperf.AssociationDecision{ApprovalStatus: Ptr(to)})
		return err
	}
	r.run(func() {
		err := decide(w.BenchmarkOwner, medperf.KindModel, p.model.ID, medperf.StatusApproved)
		r.record(err, func() { r.decided[p.model.ID] = append(r.decided[p.model.ID], "approve") })
	})
	r.run(func() {
		err := decide(p.owner, medperf.KindModel, p.model.ID, medperf.StatusRejected)
		r.record(err, func() { r.decided[p.model.ID] = append(r.decided[p.model.ID], "reject") })
	})
	r.run(func() {
		err := decide(w.BenchmarkOwner, medperf.KindDataset, w.Dataset.ID, medperf.StatusApproved)
		r.record(err, func() { r.dsApprove++ })
	})
}

// submit races one submission of the world's reference result with key.
func (r *writeRace) submit(ctx context.Context, w *World, key string) {
	r.run(func() {
		res, isNew, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: Metrics(0.5), IdempotencyKey: key})
		r.record(err, func() {
			r.results[res.ID]++
			if isNew {
				r.created++
			}
		})
	})
}

// checkErrors fails t for every call that failed with another code than
// CodeConflict (the expected loser of a race).
func (r *writeRace) checkErrors(t *testing.T) {
	t.Helper()
	for _, err := range r.errs {
		if c := medperf.ErrorCode(err); c != "" && c != medperf.CodeConflict {
			t.Errorf("a concurrent call failed with %s: %v (cause: %v)", c, err, errors.Unwrap(err))
		}
	}
}

// checkDecisions returns an error unless the sorted successful actions acts
// on one request and its association history h tell the same story.
func checkDecisions(acts []string, h []medperf.Association) error {
	if len(h) == 0 {
		return fmt.Errorf("%v but no history", acts)
	}
	latest := h[len(h)-1].ApprovalStatus
	switch fmt.Sprint(acts) {
	case "[reject]": // rejected first; the approval was refused
		if len(h) != 1 || latest != medperf.StatusRejected {
			return fmt.Errorf("%v but history %v", acts, statuses(h))
		}
	case "[approve reject]": // approved, then withdrawn (a rejection first would refuse the approval)
		if len(h) != 2 || h[0].ApprovalStatus != medperf.StatusApproved || latest != medperf.StatusRejected {
			return fmt.Errorf("%v but history %v", acts, statuses(h))
		}
	default:
		return fmt.Errorf("impossible outcome %v (history %v)", acts, statuses(h))
	}
	return nil
}

func statuses(h []medperf.Association) []medperf.ApprovalStatus {
	var out []medperf.ApprovalStatus
	for _, a := range h {
		out = append(out, a.ApprovalStatus)
	}
	return out
}
