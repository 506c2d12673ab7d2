package cli

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func newDatasetCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "dataset",
		Short: "Work with datasets",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return medperf.Errorf(medperf.CodeInvalid, "unknown command %q (see '%s --help')", args[0], c.CommandPath())
			}
			return c.Help()
		},
	}
	c.AddCommand(newDatasetHashCmd(e))
	c.AddCommand(datasetSiteCmds(e)...)
	return c
}

func newDatasetHashCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "hash PATH...",
		Short: "Print the MedPerf-compatible hash of folders",
		Long: "Print the hash MedPerf gives the files in the folders: the sha256 of each file, sorted, hashed\n" +
			"again. File names and folder layout do not count. Uses every core; see docs/datasets.md.",
		Args: cobra.MinimumNArgs(1),
	}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, paths []string) error {
		ctx, stop := interruptible(c)
		defer stop()
		h := site.Hasher{}
		var progress *progressLine
		if *out == formatTable && isTerminal(e.stderr) {
			progress = newProgressLine(e.stderr, time.Now)
			h.Progress = progress.update
		}
		d, err := h.Hash(ctx, paths...)
		progress.finish() // before anything else is printed
		if err != nil {
			return err
		}
		return render(e.stdout, *out, d, func() table {
			return table{rows: [][]string{
				{"hash", d.Hash},
				{"files", strconv.Itoa(d.Files)},
				{"bytes", strconv.FormatInt(d.Bytes, 10)},
			}}
		})
	}
	return c
}
