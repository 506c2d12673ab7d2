package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

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

// writeJSON sends v as JSON. It encodes v whole before it writes the
// status, so the response has a Content-Length (no chunked encoding) and a
// value that cannot be encoded is a clean 500, not a 200 cut short.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(encodeFailure)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// encodeFailure is the body of a response whose value could not be encoded.
const encodeFailure = `{"error":{"code":"internal","message":"internal error: the response could not be encoded"}}` + "\n"

// encodeJSON returns v as writeJSON sends it, in a new slice.
func encodeJSON(v any) ([]byte, error) {
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return nil, medperf.Errorf(medperf.CodeInternal, "cannot encode the response: %v", err)
	}
	return bytes.Clone(buf.Bytes()), nil
}

// buffers recycles the buffers responses are encoded in: a 30 KB results
// page otherwise grows a new buffer from nothing on every request.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest buffer put back in the pool, so that one
// huge response does not stay in memory for good.
const maxPooledBuffer = 1 << 20

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		buffers.Put(b)
	}
}
