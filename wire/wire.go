// Package wire is the API's wire format shared by server and client: the
// one table between error codes and HTTP statuses, the JSON body of every
// error response and the request-id header. Package api writes it, package
// client reads it back, so the two cannot drift apart.
//
// It imports only the standard library and the root vocabulary (a test in
// the module root holds this), because client may depend on nothing under
// api and nothing heavy.
package wire

import (
	"net/http"

	"github.com/medperf/medperf"
)

// RequestIDHeader carries the id the server gives every request; error logs
// mention it, so a user can quote it.
const RequestIDHeader = "X-Request-Id"

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
	medperf.CodeRateLimited:  http.StatusTooManyRequests,
}

// Status returns the HTTP status of an error code; an unknown code gives
// 500.
func Status(c medperf.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeOf returns the error code of an HTTP error status, the reverse of
// Status, for answers without an error body (the server always sends one; a
// proxy in front of it may not). The gateway statuses 502 and 504 a proxy
// sends when the server is down are CodeUnavailable; any other status
// unknown to the table is CodeInternal.
func CodeOf(status int) medperf.Code {
	switch status {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return medperf.CodeUnavailable
	}
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
// to show (prefixed with the field when there is one, as
// (*medperf.Error).Error writes it), and the field at fault when there is
// one.
type ErrorDetail struct {
	Code    medperf.Code `json:"code"`
	Message string       `json:"message"`
	Field   string       `json:"field,omitempty"`
}

// Known reports whether c is one of medperf.Codes: a client keeps the code
// of a body only when it is.
func Known(c medperf.Code) bool {
	for _, k := range medperf.Codes {
		if k == c {
			return true
		}
	}
	return false
}
