package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

// modelPair returns the {id} (benchmark) and {component} (model) of a
// model access route.
func modelPair(r *http.Request) (benchmarkID, modelID int64, err error) {
	if benchmarkID, err = pathID(r, "id"); err != nil {
		return 0, 0, err
	}
	modelID, err = pathID(r, "component")
	return benchmarkID, modelID, err
}

// modelKeyUser is modelPair and the {user} of a wrapped key's route.
func modelKeyUser(r *http.Request) (benchmarkID, modelID, userID int64, err error) {
	if benchmarkID, modelID, err = modelPair(r); err != nil {
		return 0, 0, 0, err
	}
	userID, err = pathID(r, "user")
	return benchmarkID, modelID, userID, err
}

func (h *Handler) modelAccess(r *http.Request) (int, any, error) {
	b, m, err := modelPair(r)
	if err != nil {
		return 0, nil, err
	}
	return ok(h.cfg.Service.ModelAccess(r.Context(), b, m))
}

func (h *Handler) setModelAccess(r *http.Request) (int, any, error) {
	b, m, err := modelPair(r)
	if err != nil {
		return 0, nil, err
	}
	var p medperf.ModelAccessPatch
	if err := decode(r, &p); err != nil {
		return 0, nil, err
	}
	return ok(h.cfg.Service.SetModelAccess(r.Context(), b, m, p))
}

func (h *Handler) grantModelKey(r *http.Request) (int, any, error) {
	b, m, err := modelPair(r)
	if err != nil {
		return 0, nil, err
	}
	return create(r, func(in medperf.ModelKeyInput) (*medperf.ModelKey, error) {
		return h.cfg.Service.GrantModelKey(r.Context(), b, m, in)
	})
}

func (h *Handler) deleteModelKeys(r *http.Request) (int, any, error) {
	b, m, err := modelPair(r)
	if err != nil {
		return 0, nil, err
	}
	return ok(h.cfg.Service.DeleteModelKeys(r.Context(), b, m))
}

func (h *Handler) getModelKey(r *http.Request) (int, any, error) {
	b, m, u, err := modelKeyUser(r)
	if err != nil {
		return 0, nil, err
	}
	return ok(h.cfg.Service.GetModelKey(r.Context(), b, m, u))
}

func (h *Handler) revokeModelKey(r *http.Request) (int, any, error) {
	b, m, u, err := modelKeyUser(r)
	if err != nil {
		return 0, nil, err
	}
	return ok(h.cfg.Service.RevokeModelKey(r.Context(), b, m, u))
}
