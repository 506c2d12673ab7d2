package api

import (
	"net/http"

	"github.com/medperf/medperf"
)

// signContainer stores the owner's signature of a registered container.
func (h *Handler) signContainer(r *http.Request) (int, any, error) {
	return patch(r, func(id int64, in medperf.ContainerSignature) (*medperf.Container, error) {
		return h.cfg.Service.SignContainer(r.Context(), id, in.Envelope)
	})
}
