package cli

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
)

// newDatasetExportCmd is `medperf dataset export -d ID -o FILE`: as in
// MedPerf, -o is the archive's path here (the command prints one summary
// line, so it has no output format).
func newDatasetExportCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "export -d ID -o FILE.tar.gz",
		Short: "Write an operational dataset's prepared data to an archive, to move it to another machine ('dataset import')",
		Long: "Writes prepared/ (data, labels, statistics, metadata) and a manifest of every file's sha256 into a tar.gz.\n" +
			"The prepared data is checked against its registered hash first. The raw data is not included.",
		Args: cobra.NoArgs,
	}
	d := idFlag(c, "dataset", "d", "dataset id (required)")
	file := c.Flags().StringP("output-path", "o", "", "the archive to write (required)")
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireID("dataset", *d); err != nil {
			return err
		}
		if *file == "" {
			return medperf.FieldError("--output-path", "is required: the archive to write")
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, &siteFlags{}, formatTable)
		if err != nil {
			return err
		}
		defer s.close()
		m, err := s.ExportDataset(ctx, *d, *file)
		if err != nil {
			return err
		}
		printf(e, "dataset %d exported to %s (%d files, generated_uid %s)\nnext: copy it to the other machine and run 'medperf dataset import -d %d -i %s' there\n",
			m.Dataset, *file, len(m.Files), m.GeneratedUID, m.Dataset, *file)
		return nil
	}
	return c
}

// newDatasetImportCmd is `medperf dataset import [-d ID] -i FILE`.
func newDatasetImportCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "import [-d ID] -i FILE.tar.gz",
		Short: "Install a dataset exported on another machine, after checking every file's hash and the registered hashes",
		Long: "Checks the archive (safe extraction), every file against the manifest's sha256, the manifest against the\n" +
			"registered dataset, and the prepared data's hash against its registered generated_uid; any mismatch is refused,\n" +
			"naming it, and nothing is kept. Log in as the dataset's owner first.",
		Args: cobra.MaximumNArgs(1),
	}
	d := c.Flags().Int64P("dataset", "d", 0, "the dataset the archive must hold (default: any)")
	file := c.Flags().StringP("input", "i", "", "the archive (or give it as the argument)")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 1 {
			if *file != "" {
				return medperf.FieldError("--input", "give the archive as the argument or with -i, not both")
			}
			*file = args[0]
		}
		if *file == "" {
			return medperf.FieldError("--input", "is required: the archive to import")
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, &siteFlags{}, *out)
		if err != nil {
			return err
		}
		defer s.close()
		m, err := s.ImportDataset(ctx, *file, *d)
		if err != nil {
			return err
		}
		v := map[string]any{"dataset": m.Dataset, "files": len(m.Files), "generated_uid": m.GeneratedUID,
			"next": "medperf benchmark run -b " + strconv.FormatInt(m.Benchmark, 10) + " -d " + strconv.FormatInt(m.Dataset, 10)}
		return render(e.stdout, *out, v, kvTable(v))
	}
	return c
}
