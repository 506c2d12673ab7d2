package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

func (h *Handler) listAssociations(kind medperf.ComponentKind) endpoint {
	return func(r *http.Request) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		q := newQuery(r, "approval_status", "component")
		f := medperf.AssociationFilter{BenchmarkID: id, Kind: kind, ComponentID: q.int64("component"),
			ApprovalStatus: medperf.ApprovalStatus(q.str("approval_status", validApprovalStatus)), Page: q.page()}
		if q.err != nil {
			return 0, nil, q.err
		}
		if _, err := h.cfg.Service.GetBenchmark(r.Context(), id); err != nil {
			return 0, nil, err
		}
		return ok(h.cfg.Service.ListAssociations(r.Context(), f))
	}
}

func (h *Handler) requestAssociation(kind medperf.ComponentKind) endpoint {
	return func(r *http.Request) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		return create(r, func(in medperf.AssociationRequest) (*medperf.Association, error) {
			return h.cfg.Service.RequestAssociation(r.Context(), id, kind, in)
		})
	}
}

func (h *Handler) associationHistory(kind medperf.ComponentKind) endpoint {
	return func(r *http.Request) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		component, err := pathID(r, "component")
		if err != nil {
			return 0, nil, err
		}
		return ok(h.cfg.Service.AssociationHistory(r.Context(), id, kind, component))
	}
}

func (h *Handler) decideAssociation(kind medperf.ComponentKind) endpoint {
	return func(r *http.Request) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		component, err := pathID(r, "component")
		if err != nil {
			return 0, nil, err
		}
		var d medperf.AssociationDecision
		if err := decode(r, &d); err != nil {
			return 0, nil, err
		}
		return ok(h.cfg.Service.DecideAssociation(r.Context(), id, kind, component, d))
	}
}

func (h *Handler) listResults(r *http.Request) (int, any, error) {
	q := newQuery(r, "benchmark", "model", "dataset", "owner", "format")
	f := medperf.ResultFilter{BenchmarkID: q.int64("benchmark"), ModelID: q.int64("model"),
		DatasetID: q.int64("dataset"), Owner: q.int64("owner"), Page: q.page()}
	format := q.format()
	if q.err != nil {
		return 0, nil, q.err
	}
	if format == "csv" {
		return h.resultsCSV(r, f)
	}
	l, err := h.cfg.Service.ListResults(r.Context(), f)
	return listPage(h, l, err)
}

func (h *Handler) benchmarkResults(r *http.Request) (int, any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	q := newQuery(r, "model", "dataset", "format")
	f := medperf.ResultFilter{BenchmarkID: id, ModelID: q.int64("model"), DatasetID: q.int64("dataset"), Page: q.page()}
	format := q.format()
	if q.err != nil {
		return 0, nil, q.err
	}
	if _, err := h.cfg.Service.GetBenchmark(r.Context(), id); err != nil {
		return 0, nil, err
	}
	if format == "csv" {
		return h.resultsCSV(r, f)
	}
	l, err := h.cfg.Service.ListResults(r.Context(), f)
	return listPage(h, l, err)
}

func (h *Handler) submitResult(r *http.Request) (int, any, error) {
	var in medperf.ResultInput
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	res, isNew, err := h.cfg.Service.SubmitResult(r.Context(), in)
	if err != nil {
		return 0, nil, err
	}
	if isNew {
		return http.StatusCreated, res, nil
	}
	return http.StatusOK, res, nil
}

func (h *Handler) getResult(r *http.Request) (int, any, error) {
	return byID(r, func(id int64) (*medperf.Result, error) { return h.cfg.Service.GetResult(r.Context(), id) })
}

func (h *Handler) updateResult(r *http.Request) (int, any, error) {
	return patch(r, func(id int64, p medperf.ResultPatch) (*medperf.Result, error) {
		return h.cfg.Service.UpdateResult(r.Context(), id, p)
	})
}
