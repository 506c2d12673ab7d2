package api

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/medperf/medperf"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[medperf.Code]int{
	medperf.CodeInvalid:      http.StatusBadRequest,
	medperf.CodeUnauthorized: http.StatusUnauthorized,
	medperf.CodeForbidden:    http.StatusForbidden,
	medperf.CodeNotFound:     http.StatusNotFound,
	medperf.CodeConflict:     http.StatusConflict,
	medperf.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	medperf.CodeUnavailable:  http.StatusServiceUnavailable,
	medperf.CodeCanceled:     http.StatusRequestTimeout,
	medperf.CodeInternal:     http.StatusInternalServerError,
}

// Status returns the HTTP status of an error code.
func Status(c medperf.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeOf returns the error code of an HTTP error status, the reverse of
// Status; an unknown status gives CodeInternal.
func CodeOf(status int) medperf.Code {
	for c, s := range statusOf {
		if s == status {
			return c
		}
	}
	return medperf.CodeInternal
}

// ErrorBody is the JSON of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a code of medperf.Codes, a message safe
// to show, and the field at fault when there is one.
type ErrorDetail struct {
	Code    medperf.Code `json:"code"`
	Message string       `json:"message"`
	Field   string       `json:"field,omitempty"`
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := medperf.ErrorCode(err)
	detail := ErrorDetail{Code: code, Message: medperf.ErrorMessage(err)}
	if e, ok := err.(*medperf.Error); ok {
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
	writeJSON(w, Status(code), ErrorBody{Error: detail})
}

func causeOf(err error) string {
	if e, ok := err.(*medperf.Error); ok && e.Err != nil {
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
