package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

// ok returns 200 with v, or the error.
func ok[T any](v T, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

// created returns 201 with v, or the error.
func created[T any](v T, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, v, nil
}

// create decodes a body of type In and passes it to fn.
func create[In, Out any](r *http.Request, fn func(In) (Out, error)) (int, any, error) {
	var in In
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	return created(fn(in))
}

// byID calls fn with the {id} path value.
func byID[Out any](r *http.Request, fn func(int64) (Out, error)) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	return ok(fn(id))
}

// patch decodes a body of type P and passes it with the {id} to fn.
func patch[P, Out any](r *http.Request, fn func(int64, P) (Out, error)) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	var p P
	if err := decode(r, &p); err != nil {
		return 0, nil, err
	}
	return ok(fn(id, p))
}

func (h *Handler) me(r *http.Request) (int, any, error) {
	return ok(medperf.RequireCaller(r.Context()))
}

func (h *Handler) listTokens(r *http.Request) (int, any, error) {
	return ok(h.cfg.Service.ListTokens(r.Context()))
}

// TokenRequest is the body of POST /api/v1/me/tokens.
type TokenRequest struct {
	Name string `json:"name"`
}

func (h *Handler) createToken(r *http.Request) (int, any, error) {
	return create(r, func(in TokenRequest) (*medperf.NewToken, error) {
		return h.cfg.Service.CreateToken(r.Context(), in.Name)
	})
}

func (h *Handler) revokeToken(r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	if err := h.cfg.Service.RevokeToken(r.Context(), id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]int64{"revoked": id}, nil
}

func (h *Handler) listUsers(r *http.Request) (int, any, error) {
	q := newQuery(r)
	p := q.page()
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(h.cfg.Service.ListUsers(r.Context(), p))
}

func (h *Handler) createUser(r *http.Request) (int, any, error) {
	return create(r, func(in medperf.NewUser) (*medperf.CreatedUser, error) {
		return h.cfg.Service.CreateUser(r.Context(), in)
	})
}

func (h *Handler) getUser(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.User, error) { return h.cfg.Service.GetUser(r.Context(), id) })
}

// userCard shows an account by name to any signed-in user (and its email
// to those CanSeeEmail allows), so that clients name owners and requesters.
func (h *Handler) userCard(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.UserCard, error) { return h.cfg.Service.UserCard(r.Context(), id) })
}

func (h *Handler) listContainers(r *http.Request) (int, any, error) {
	q := newQuery(r, "owner", "state", "is_model", "name")
	f := medperf.ContainerFilter{Owner: q.int64("owner"), State: medperf.State(q.str("state", validState)),
		IsModel: q.boolean("is_model"), Name: q.str("name", nil), Page: q.page()}
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(h.cfg.Service.ListContainers(r.Context(), f))
}

func (h *Handler) createContainer(r *http.Request) (int, any, error) {
	return create(r, func(in medperf.ContainerInput) (*medperf.Container, error) {
		return h.cfg.Service.CreateContainer(r.Context(), in)
	})
}

func (h *Handler) getContainer(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.Container, error) { return h.cfg.Service.GetContainer(r.Context(), id) })
}

func (h *Handler) updateContainer(r *http.Request) (int, any, error) {
	return patch(r, func(id int64, p medperf.ContainerPatch) (*medperf.Container, error) {
		return h.cfg.Service.UpdateContainer(r.Context(), id, p)
	})
}

func (h *Handler) listBenchmarks(r *http.Request) (int, any, error) {
	q := newQuery(r, "owner", "state", "approval_status", "name")
	f := medperf.BenchmarkFilter{Owner: q.int64("owner"), State: medperf.State(q.str("state", validState)),
		ApprovalStatus: medperf.ApprovalStatus(q.str("approval_status", validApprovalStatus)),
		Name:           q.str("name", nil), Page: q.page()}
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(h.cfg.Service.ListBenchmarks(r.Context(), f))
}

func (h *Handler) createBenchmark(r *http.Request) (int, any, error) {
	return create(r, func(in medperf.BenchmarkInput) (*medperf.Benchmark, error) {
		return h.cfg.Service.CreateBenchmark(r.Context(), in)
	})
}

func (h *Handler) getBenchmark(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.Benchmark, error) { return h.cfg.Service.GetBenchmark(r.Context(), id) })
}

func (h *Handler) updateBenchmark(r *http.Request) (int, any, error) {
	return patch(r, func(id int64, p medperf.BenchmarkPatch) (*medperf.Benchmark, error) {
		return h.cfg.Service.UpdateBenchmark(r.Context(), id, p)
	})
}

func (h *Handler) listDatasets(r *http.Request) (int, any, error) {
	q := newQuery(r, "owner", "state", "preparator", "generated_uid")
	f := medperf.DatasetFilter{Owner: q.int64("owner"), State: medperf.State(q.str("state", validState)),
		Preparator: q.int64("preparator"), GeneratedUID: q.str("generated_uid", nil), Page: q.page()}
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(h.cfg.Service.ListDatasets(r.Context(), f))
}

func (h *Handler) createDataset(r *http.Request) (int, any, error) {
	return create(r, func(in medperf.DatasetInput) (*medperf.Dataset, error) {
		return h.cfg.Service.CreateDataset(r.Context(), in)
	})
}

func (h *Handler) getDataset(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.Dataset, error) { return h.cfg.Service.GetDataset(r.Context(), id) })
}

func (h *Handler) updateDataset(r *http.Request) (int, any, error) {
	return patch(r, func(id int64, p medperf.DatasetPatch) (*medperf.Dataset, error) {
		return h.cfg.Service.UpdateDataset(r.Context(), id, p)
	})
}

func (h *Handler) listAudit(r *http.Request) (int, any, error) {
	q := newQuery(r, "entity_type", "entity_id", "actor")
	f := medperf.AuditFilter{EntityType: q.str("entity_type", nil), EntityID: q.int64("entity_id"),
		Actor: q.int64("actor"), Page: q.page()}
	if q.err != nil {
		return 0, nil, q.err
	}
	return ok(h.cfg.Service.ListAudit(r.Context(), f))
}
