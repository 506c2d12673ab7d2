package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/site"
)

// datasetSiteCmds are the dataset commands of the data owner's site.
func datasetSiteCmds(e *env) []*cobra.Command {
	return []*cobra.Command{newDatasetSubmitCmd(e), newDatasetPrepareCmd(e), newDatasetSetOperationalCmd(e),
		newDatasetAssociateCmd(e), newDatasetCheckCmd(e), newDatasetLsCmd(e), newDatasetExportCmd(e), newDatasetImportCmd(e),
		viewCmd(e, "dataset", func(ctx context.Context, cl *client.Client, n int64) (any, error) { return cl.GetDataset(ctx, n) })}
}

func newDatasetSubmitCmd(e *env) *cobra.Command {
	var in site.DatasetSubmission
	c := &cobra.Command{
		Use:   "submit -b BENCHMARK -d DATA_PATH -l LABELS_PATH --name NAME [--description D] [--location L] [-y]",
		Short: "Hash the raw data and labels and register the dataset (the paths stay on this machine)",
		Args:  cobra.NoArgs,
	}
	c.Flags().Int64VarP(&in.BenchmarkID, "benchmark", "b", 0, "benchmark whose preparator prepares the data (required)")
	c.Flags().StringVarP(&in.DataPath, "data-path", "d", "", "folder of the raw data (required; never sent)")
	c.Flags().StringVarP(&in.LabelsPath, "labels-path", "l", "", "folder of the labels (required; never sent)")
	c.Flags().StringVar(&in.Name, "name", "", "name (required)")
	c.Flags().StringVar(&in.Description, "description", "", "description")
	c.Flags().StringVar(&in.Location, "location", "", "free text you choose, e.g. 'Hospital A' (a path only if you type one)")
	sf := addSiteFlags(c, false)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireID("benchmark", in.BenchmarkID); err != nil {
			return err
		}
		if in.DataPath == "" || in.LabelsPath == "" || in.Name == "" {
			return medperf.FieldError("-d/-l/--name", "the data path, the labels path and the name are required")
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		d, err := s.SubmitDataset(ctx, in)
		if err != nil {
			return err
		}
		return e.changed(*out, d, kvTable(d))
	}
	return c
}

// datasetOp is a dataset command that needs only -d and the site.
func datasetOp(e *env, use, short string, runs bool, op func(context.Context, *session, int64) (any, error)) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	d := idFlag(c, "dataset", "d", "dataset id (required)")
	sf := addSiteFlags(c, runs)
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if err := requireID("dataset", *d); err != nil {
			return err
		}
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, sf, *out)
		if err != nil {
			return err
		}
		defer s.close()
		v, err := op(ctx, s, *d)
		if err != nil {
			return s.unknownDataset(ctx, *d, err)
		}
		return e.changed(*out, v, kvTable(v))
	}
	return c
}

func newDatasetPrepareCmd(e *env) *cobra.Command {
	var consent bool
	c := datasetOp(e, "prepare -d ID [--report-consent]",
		"Run the preparator (prepare, sanity_check, statistics); continues after an interruption", true,
		func(ctx context.Context, s *session, id int64) (any, error) {
			s.Options.ReportConsent = consent
			if err := s.Prepare(ctx, id); err != nil {
				return nil, err
			}
			// The next step is said once, on stderr, by nextSteps.
			return preparedDataset{Dataset: id, Prepared: true}, nil
		})
	c.Flags().BoolVar(&consent, "report-consent", false, "send the preparation progress report to the server")
	return c
}

func newDatasetSetOperationalCmd(e *env) *cobra.Command {
	return datasetOp(e, "set-operational -d ID [-y]",
		"Recompute the hashes, show the statistics that will be sent, and make the dataset operational", false,
		func(ctx context.Context, s *session, id int64) (any, error) { return s.SetOperational(ctx, id) })
}

func newDatasetCheckCmd(e *env) *cobra.Command {
	return datasetOp(e, "check -d ID", "Recompute the dataset's hashes and compare them with the registered ones", false,
		func(ctx context.Context, s *session, id int64) (any, error) { return s.CheckDataset(ctx, id) })
}

func newDatasetAssociateCmd(e *env) *cobra.Command {
	var b int64
	c := datasetOp(e, "associate -d ID -b BENCHMARK [-y]",
		"Run the reference model on the prepared data, show the metrics, and ask the benchmark to accept the dataset", true,
		func(ctx context.Context, s *session, id int64) (any, error) {
			if err := requireID("benchmark", b); err != nil {
				return nil, err
			}
			return s.AssociateDataset(ctx, id, b)
		})
	c.Flags().Int64VarP(&b, "benchmark", "b", 0, "benchmark id (required)")
	return c
}

func newDatasetLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls", Short: "List datasets", Args: cobra.NoArgs}
	mine := c.Flags().Bool("mine", false, "only mine")
	prep := c.Flags().Int64P("preparator", "m", 0, "only those prepared with this data preparation container")
	lf := addListFilters(c)
	listCmd(e, c, func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Dataset, int, error) {
		f := medperf.DatasetFilter{Preparator: *prep}
		var err error
		if f.Owner, f.State, err = lf.resolve(ctx, cl, *mine); err != nil {
			return nil, 0, err
		}
		rows := clientSide(func(ctx context.Context, cl *client.Client, limit int) ([]medperf.Dataset, int, error) {
			return client.Collect(ctx, limit, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Dataset], error) {
				f.Page = p
				return cl.ListDatasets(ctx, f)
			})
		}, keeper(lf.keepCommon(false), func(x medperf.Dataset) (string, bool) { return x.Name, x.IsValid }))
		return rows(ctx, cl, limit)
	}, func(ds []medperf.Dataset) table {
		t := table{header: []string{"ID", "NAME", "STATE", "PREPARATOR", "OWNER", "GENERATED UID"}}
		for _, d := range ds {
			t.rows = append(t.rows, []string{id(d.ID), d.Name, string(d.State), e.names.container(d.DataPreparationContainer), e.names.user(d.Owner), short(d.GeneratedUID)})
		}
		return t
	})
	return c
}

// unknownDataset turns err, the not-found error of an operation on dataset
// id, into "no dataset id" when the server has no such dataset: a missing
// local record alone means it was registered from another machine.
func (s *session) unknownDataset(ctx context.Context, id int64, err error) error {
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		return err
	}
	if _, gerr := s.Registry.GetDataset(ctx, id); medperf.ErrorCode(gerr) == medperf.CodeNotFound {
		return medperf.Errorf(medperf.CodeNotFound, "no dataset %d on the server: see your datasets with 'medperf dataset ls --mine'", id)
	}
	return err
}
