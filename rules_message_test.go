package medperf

import (
	"strings"
	"testing"
)

// TestCheckEditMessageListsFieldsPlainly guards friction 11 of issue 13: the
// fields that may change are listed as words, not as a Go slice.
func TestCheckEditMessageListsFieldsPlainly(t *testing.T) {
	for typ, allowed := range editableInOperation {
		if len(allowed) < 2 {
			continue
		}
		err := CheckEdit(typ, StateOperation, StateOperation, []string{"name"})
		if ErrorCode(err) != CodeConflict {
			t.Fatalf("%s: code %q, want conflict (a state clash, issue 12 finding 16)", typ, ErrorCode(err))
		}
		msg := ErrorMessage(err)
		if strings.ContainsAny(msg, "[]") || !strings.Contains(msg, strings.Join(allowed, ", ")) {
			t.Errorf("%s: message %q does not list %v plainly", typ, msg, allowed)
		}
	}
}
