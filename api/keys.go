package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

// keyService returns the service's key registry; a Service without one is
// a wiring mistake, reported as CodeInternal.
func (h *Handler) keyService() (medperf.KeyService, error) {
	ks, ok := h.cfg.Service.(medperf.KeyService)
	if !ok {
		return nil, medperf.Errorf(medperf.CodeInternal, "api: the service does not manage keys")
	}
	return ks, nil
}

func (h *Handler) listMyKeys(r *http.Request) (int, any, error) {
	ks, err := h.keyService()
	if err != nil {
		return 0, nil, err
	}
	return ok(ks.ListKeys(r.Context(), 0))
}

func (h *Handler) listUserKeys(r *http.Request) (int, any, error) {
	ks, err := h.keyService()
	if err != nil {
		return 0, nil, err
	}
	return byID(r, func(id int64) ([]medperf.Key, error) { return ks.ListKeys(r.Context(), id) })
}

func (h *Handler) registerKey(r *http.Request) (int, any, error) {
	ks, err := h.keyService()
	if err != nil {
		return 0, nil, err
	}
	return create(r, func(in medperf.KeyInput) (*medperf.Key, error) { return ks.RegisterKey(r.Context(), in) })
}

func (h *Handler) revokeKey(r *http.Request) (int, any, error) {
	ks, err := h.keyService()
	if err != nil {
		return 0, nil, err
	}
	return byID(r, func(id int64) (*medperf.Key, error) { return ks.RevokeKey(r.Context(), id) })
}
