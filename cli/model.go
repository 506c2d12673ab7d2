package cli

import (
	"github.com/spf13/cobra"
)

func newModelCmd(e *env) *cobra.Command {
	c := groupCmd("model", "Register models, and ask benchmarks to accept them")
	c.AddCommand(newContainerSubmitCmd(e, true), listContainers(e, true), viewContainer(e), newModelAssociateCmd(e))
	c.AddCommand(newAccessCmds(e)...)
	return c
}

func newModelAssociateCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "associate -m MODEL -b BENCHMARK [-y]",
		Short: "Run the compatibility test on the benchmark's demo data, show it, and ask the benchmark to accept the model",
		Args:  cobra.NoArgs,
	}
	m := idFlag(c, "model", "m", "model (container) id (required)")
	b := idFlag(c, "benchmark", "b", "benchmark id (required)")
	noCache := c.Flags().Bool("no-cache", false, "prepare the demo data again instead of reusing an earlier preparation")
	sf := addSiteFlags(c, true)
	addDecryptionKeyFlag(c, &sf.decryptionKey, decryptionKeyUsage)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireIDs(map[string]int64{"model": *m, "benchmark": *b}); err != nil {
			return err
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		s.Options.NoCache = *noCache
		a, err := s.AssociateModel(ctx, *m, *b)
		if err != nil {
			return err
		}
		return e.changed(*out, a, kvTable(a))
	}
	return c
}

func requireIDs(ids map[string]int64) error {
	for _, name := range []string{"benchmark", "dataset", "model", "result"} {
		if v, ok := ids[name]; ok {
			if err := requireID(name, v); err != nil {
				return err
			}
		}
	}
	return nil
}
