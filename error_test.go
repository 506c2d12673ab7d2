package medperf

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code Code
		msg  string
	}{
		{"nil has no code", nil, "", ""},
		{"medperf error keeps its code", Errorf(CodeNotFound, "benchmark 3 not found"), CodeNotFound, "benchmark 3 not found"},
		{"wrapped error keeps its code", fmt.Errorf("loading: %w", Errorf(CodeConflict, "taken")), CodeConflict, "taken"},
		{"field error names the field", FieldError("name", "must not be empty"), CodeInvalid, "name: must not be empty"},
		{"canceled context is canceled", fmt.Errorf("x: %w", context.Canceled), CodeCanceled, "operation canceled"},
		{"deadline is canceled", context.DeadlineExceeded, CodeCanceled, "operation canceled"},
		{"plain error is internal and hidden", errors.New("dial tcp /secret/path"), CodeInternal, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
		})
	}
}

func TestErrorUnwrapKeepsCause(t *testing.T) {
	cause := errors.New("cause")
	err := &Error{Code: CodeInternal, Message: "internal error", Err: cause}
	if !errors.Is(err, cause) {
		t.Fatal("errors.Is does not find the cause")
	}
}
