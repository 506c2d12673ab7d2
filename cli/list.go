package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// defaultListLimit is how many rows a list command shows without --limit or
// --all: one full page of the server.
const defaultListLimit = medperf.MaxPageSize

// listRows fetches the rows of a list command from the registry: at most
// limit of them (every one when limit is 0), and how many match in all.
type listRows[T any] func(ctx context.Context, cl *client.Client, limit int) ([]T, int, error)

// listCmd makes c (with its own filter flags already added) a list command
// of the registry: it adds --limit, --all and --output (table, json, yaml
// and the extra formats), fetches the rows with rows and prints them with
// tab in the table format. A list cut by the limit says so on stderr, so
// that json and yaml on stdout stay whole documents. It returns where the
// --output value lands, for commands that wrap RunE to serve other formats.
func listCmd[T any](e *env, c *cobra.Command, rows listRows[T], tab func([]T) table, extra ...string) *string {
	limit := c.Flags().Int("limit", defaultListLimit, "show at most N rows")
	all := c.Flags().Bool("all", false, "show every row, however many pages that takes")
	out := outputFlag(c, extra...)
	c.PreRunE = chainPreRun(c.PreRunE, func(c *cobra.Command, _ []string) error {
		switch {
		case *all && c.Flags().Changed("limit"):
			return medperf.FieldError("--limit", "give --limit or --all, not both")
		case *limit < 1:
			return medperf.FieldError("--limit", "%d is not a number of rows: give 1 or more, or --all for every row", *limit)
		}
		return nil
	})
	c.RunE = func(c *cobra.Command, _ []string) error {
		cl, err := e.registry()
		if err != nil {
			return err
		}
		max := *limit
		if *all {
			max = 0
		}
		items, total, err := rows(c.Context(), cl, max)
		if err != nil {
			return err
		}
		e.names = newNames(c.Context(), cl)
		if err := render(e.stdout, *out, items, func() table { return tab(items) }); err != nil {
			return err
		}
		if len(items) < total {
			fmt.Fprintf(e.stderr, "showing %d of %d; --all for every row\n", len(items), total)
		}
		return nil
	}
	return out
}
