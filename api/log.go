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
