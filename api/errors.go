package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/wire"
)

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := medperf.ErrorCode(err)
	detail := wire.ErrorDetail{Code: code, Message: medperf.ErrorMessage(err)}
	var e *medperf.Error
	if errors.As(err, &e) {
		detail.Field = e.Field
	}
	if code == medperf.CodeInternal || code == medperf.CodeUnavailable {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", RequestID(r.Context())), slog.String("code", string(code)),
			slog.String("error", err.Error()), slog.Any("cause", causeOf(err)))
	}
	if code == medperf.CodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="medperf"`)
	}
	if code == medperf.CodeUnavailable {
		// Overload and outages are brief: clients retry idempotent requests after this.
		w.Header().Set("Retry-After", "1")
	}
	var wait retryAfter
	if errors.As(err, &wait) {
		w.Header().Set("Retry-After", strconv.Itoa(wait.seconds()))
	}
	writeJSON(w, wire.Status(code), wire.ErrorBody{Error: detail})
}

func causeOf(err error) string {
	var e *medperf.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
