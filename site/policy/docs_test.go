package policy

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamplePolicyParses keeps the commented example of
// docs/site-policy.md valid.
func TestDocsExamplePolicyParses(t *testing.T) {
	data, err := os.ReadFile("../../docs/site-policy.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	if !ok {
		t.Fatal("docs/site-policy.md has no yaml block")
	}
	example, _, _ := strings.Cut(rest, "```")
	p, err := Parse([]byte(example), "docs/site-policy.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules {
		if !p.IsSet(r) {
			t.Errorf("the example does not show rule %s", r)
		}
	}
}
