package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandIsInTheReference keeps docs/cli.md complete: every
// runnable, visible command has a row there.
func TestEveryCommandIsInTheReference(t *testing.T) {
	doc, err := os.ReadFile("../docs/cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		if c.Runnable() && c.HasParent() && !c.HasSubCommands() && !strings.Contains(string(doc), "`"+c.CommandPath()+"`") {
			t.Errorf("docs/cli.md has no row for `%s`", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(&env{}))
}
