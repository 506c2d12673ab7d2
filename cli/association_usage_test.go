package cli

import (
	"strings"
	"testing"
)

// TestAssociationLsUsageAgreesWithFlag guards friction 12: the usage line
// shows -b as optional, so the flag's help must not call it required.
func TestAssociationLsUsageAgreesWithFlag(t *testing.T) {
	root := newRootCmd(&env{})
	c, _, err := root.Find([]string{"association", "ls"})
	if err != nil {
		t.Fatal(err)
	}
	optional := strings.Contains(c.Use, "[-b")
	required := strings.Contains(c.Flags().Lookup("benchmark").Usage, "required")
	if optional == required {
		t.Fatalf("usage %q and flag help %q disagree on -b", c.Use, c.Flags().Lookup("benchmark").Usage)
	}
}
