package cli

import (
	"github.com/spf13/cobra"

	"github.com/medperf/medperf/cube"
)

func newStorageCmd(e *env) *cobra.Command {
	c := groupCmd("storage", "Show and reclaim the disk space medperf uses for the current server")
	ls := &cobra.Command{Use: "ls", Short: "Show the space of each storage area", Args: cobra.NoArgs}
	out := outputFlag(ls)
	ls.RunE = func(c *cobra.Command, _ []string) error {
		s, err := e.openSite(c.Context(), &siteFlags{}, *out)
		if err != nil {
			return err
		}
		u, err := s.StorageUsage()
		if err != nil {
			return err
		}
		return render(e.stdout, *out, u, func() table {
			t := table{header: []string{"AREA", "SIZE", "FILES", "CLEANUP REMOVES", "PATH"}}
			for _, x := range u {
				t.rows = append(t.rows, []string{x.Area, cube.FormatSize(x.Bytes), cell(float64(x.Files)), cell(x.Removable), x.Path})
			}
			return t
		})
	}
	clean := &cobra.Command{Use: "cleanup [--submitted-results]", Short: "Remove caches, test runs and logs (and submitted results with --submitted-results)", Args: cobra.NoArgs}
	results := clean.Flags().Bool("submitted-results", false, "also remove local results already submitted")
	clean.RunE = func(c *cobra.Command, _ []string) error {
		s, err := e.openSite(c.Context(), &siteFlags{}, formatTable)
		if err != nil {
			return err
		}
		freed, err := s.Cleanup(*results)
		if err != nil {
			return err
		}
		printf(e, "freed %s\n", cube.FormatSize(freed))
		return nil
	}
	c.AddCommand(ls, clean, newStorageMoveCmd(e))
	return c
}
