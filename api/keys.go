package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

func (h *Handler) listMyKeys(r *http.Request) (int, any, error) {
	return ok(h.cfg.Service.ListKeys(r.Context(), 0))
}

func (h *Handler) listUserKeys(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) ([]medperf.Key, error) { return h.cfg.Service.ListKeys(r.Context(), id) })
}

func (h *Handler) registerKey(r *http.Request) (int, any, error) {
	return create(r, func(in medperf.KeyInput) (*medperf.Key, error) { return h.cfg.Service.RegisterKey(r.Context(), in) })
}

func (h *Handler) revokeKey(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.Key, error) { return h.cfg.Service.RevokeKey(r.Context(), id) })
}
