package cli

import (
	"fmt"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestZZDump(t *testing.T) {
	root := newRootCmd(&env{})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			fmt.Printf("%s\t--%s\t-%s\t%s\t%v\n", c.CommandPath(), f.Name, f.Shorthand, f.Value.Type(), f.Hidden)
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
}
