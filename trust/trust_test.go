package trust

import (
	"errors"
	"os/exec"
	"testing"

	"github.com/medperf/medperf"
)

// wantCode fails tb unless err carries code.
func wantCode(tb testing.TB, err error, code medperf.Code) {
	tb.Helper()
	if got := medperf.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	var e *medperf.Error
	if code != "" && code != medperf.CodeInternal && (!errors.As(err, &e) || e.Error() == "") {
		tb.Fatalf("error %v has no message", err)
	}
}

// MustIdentity returns a fresh identity.
func MustIdentity(tb testing.TB) *Identity {
	tb.Helper()
	id, err := NewIdentity()
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// needTool skips the test when a standard tool is not installed.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Skipf("%s is not installed; this interoperability check needs it", name)
	}
	return p
}
