package medperf

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an Error. The set of codes is closed: callers branch on the
// code, never on the message.
type Code string

// The error codes. Each maps to one HTTP status (see package wire) and one CLI
// exit status (see package cli).
const (
	// CodeInvalid means the input was malformed or broke a rule; the message
	// names the field at fault.
	CodeInvalid Code = "invalid"
	// CodeUnauthorized means no valid credentials were presented.
	CodeUnauthorized Code = "unauthorized"
	// CodeForbidden means the caller is known but may not do this.
	CodeForbidden Code = "forbidden"
	// CodeNotFound means the entity does not exist or is not visible to the caller.
	CodeNotFound Code = "not_found"
	// CodeConflict means the request clashes with the current state
	// (a duplicate, a state transition that is not allowed).
	CodeConflict Code = "conflict"
	// CodeTooLarge means a request body or file exceeded its size limit.
	CodeTooLarge Code = "too_large"
	// CodeUnavailable means a service the operation needs (the server, a
	// container engine, the database) could not be reached.
	CodeUnavailable Code = "unavailable"
	// CodeCanceled means the operation was interrupted or timed out.
	CodeCanceled Code = "canceled"
	// CodeInternal means a bug or an unexpected failure; its message is
	// always the generic "internal error".
	CodeInternal Code = "internal"
	// CodeRateLimited means the caller failed too often (bad tokens, failed
	// sign-ins) and must wait before trying again; the HTTP answer says
	// how long in Retry-After.
	CodeRateLimited Code = "rate_limited"
)

// Codes lists every error code, in a stable order.
var Codes = []Code{
	CodeInvalid, CodeUnauthorized, CodeForbidden, CodeNotFound, CodeConflict,
	CodeTooLarge, CodeUnavailable, CodeCanceled, CodeInternal, CodeRateLimited,
}

// Error is the one error type of medperf. Message is safe to show to users:
// it never holds data paths, tokens or patient data. Err, when set, is the
// underlying cause, for logs only.
type Error struct {
	Code    Code
	Message string
	// Field names the input field at fault, when there is one ("name",
	// "tasks.infer.input_volumes").
	Field string
	Err   error
}

// Error returns the user-facing message, prefixed with the field when known.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = string(e.Code)
	}
	if e.Field != "" {
		return e.Field + ": " + msg
	}
	return msg
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns a CodeInvalid error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: the code of the first *Error in its
// chain, CodeCanceled for context cancellation, and CodeInternal otherwise.
// A nil error has the empty code.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if isCanceled(err) {
		return CodeCanceled
	}
	return CodeInternal
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or "internal error" for anything else, so that
// unexpected details never reach a user.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	if isCanceled(err) {
		return "operation canceled"
	}
	return "internal error"
}

// isCanceled reports whether err comes from a canceled or expired context.
func isCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
