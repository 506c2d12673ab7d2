package cli

import (
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// TestDatasetOpOnAnUnknownID guards friction 11 of issue 13: an id the
// server does not know is "no dataset N", not "not registered from this
// machine".
func TestDatasetOpOnAnUnknownID(t *testing.T) {
	loggedInAsAdmin(t)
	for _, args := range [][]string{{"dataset", "prepare", "-d", "99", "--runtime", "local"}, {"dataset", "check", "-d", "99"}} {
		t.Run(args[1]+" says there is no such dataset", func(t *testing.T) {
			code, _, errOut := runCLI(t, args...)
			if code != exitCodes[medperf.CodeNotFound] || !strings.Contains(errOut, "no dataset 99") {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
		})
	}
}
