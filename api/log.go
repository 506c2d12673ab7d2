package api

import (
	"context"
	"net/http"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// LogService is the registry's transparency log as the API serves it; the
// store implements it. Every method may be called anonymously: the log's
// key, checkpoints and proofs are public evidence.
type LogService interface {
	// LogKey returns the public side of the checkpoint signing key;
	// CodeUnavailable when the registry has none.
	LogKey(ctx context.Context) (*trust.LogKeyInfo, error)
	// LogCheckpoint returns the latest checkpoint, signed.
	LogCheckpoint(ctx context.Context) (*trust.SignedCheckpoint, error)
	// LogInclusion proves that leaf index is in the tree of the given size;
	// CodeInvalid for an index or size out of range.
	LogInclusion(ctx context.Context, index, size int64) (*trust.Proof, error)
	// LogConsistency proves that the tree of size from is a prefix of the
	// tree of size to; CodeInvalid for sizes out of range.
	LogConsistency(ctx context.Context, from, to int64) (*trust.Proof, error)
	// LogLeaves returns a page of leaves, rebuilt from the rows they were
	// made from: hashes for everyone, bytes of the rows the caller may see.
	LogLeaves(ctx context.Context, start, count int64) ([]trust.LeafEntry, error)
}

// logService returns the service's log; a Service without one is a wiring
// mistake, reported as CodeInternal.
func (h *Handler) logService() (LogService, error) {
	ls, ok := h.cfg.Service.(LogService)
	if !ok {
		return nil, medperf.Errorf(medperf.CodeInternal, "api: the service has no transparency log")
	}
	return ls, nil
}

func (h *Handler) logKey(r *http.Request) (int, any, error) {
	ls, err := h.logService()
	if err != nil {
		return 0, nil, err
	}
	return ok(ls.LogKey(r.Context()))
}

func (h *Handler) logCheckpoint(r *http.Request) (int, any, error) {
	ls, err := h.logService()
	if err != nil {
		return 0, nil, err
	}
	return ok(ls.LogCheckpoint(r.Context()))
}

func (h *Handler) logInclusion(r *http.Request) (int, any, error) {
	ls, err := h.logService()
	if err != nil {
		return 0, nil, err
	}
	q := newQuery(r, "index", "size")
	index, size := q.int64("index"), q.int64("size")
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(ls.LogInclusion(r.Context(), index, size))
}

func (h *Handler) logConsistency(r *http.Request) (int, any, error) {
	ls, err := h.logService()
	if err != nil {
		return 0, nil, err
	}
	q := newQuery(r, "from", "to")
	from, to := q.int64("from"), q.int64("to")
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(ls.LogConsistency(r.Context(), from, to))
}

func (h *Handler) logLeaves(r *http.Request) (int, any, error) {
	ls, err := h.logService()
	if err != nil {
		return 0, nil, err
	}
	q := newQuery(r, "start", "count")
	start, count := q.int64("start"), q.int64("count")
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(ls.LogLeaves(r.Context(), start, count))
}
