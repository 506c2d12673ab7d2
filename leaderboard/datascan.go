package leaderboard

import (
	"cmp"
	"context"
	"slices"

	"github.com/medperf/medperf"
)

// DataScanner is a medperf.LeaderboardScanner over a source that can only
// load a leaderboard's data whole (medperf.LeaderboardService): a test
// fake, or a small store. Its ScanLeaderboard reads LeaderboardData and
// streams it as ScanLeaderboard promises, so FromScan over it builds the
// same leaderboard as FromData over the data. Its memory is the whole
// data's: a store that keeps many results implements the scanner itself.
type DataScanner struct {
	medperf.LeaderboardService
}

var _ medperf.LeaderboardScanner = DataScanner{}

// ScanLeaderboard implements medperf.LeaderboardScanner. The data's errors
// pass through before head is called. Rows come by ascending dataset ID,
// model ID and result ID; their metrics are copied into one buffer that is
// overwritten after each row, as a store's are, so that a reader keeping
// the bytes past the call is caught by tests rather than by a store. The
// names are the data's participants for ScopeAll and the rows' models and
// datasets otherwise.
func (s DataScanner) ScanLeaderboard(ctx context.Context, benchmarkID int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	d, err := s.LeaderboardData(ctx, benchmarkID)
	if err != nil {
		return medperf.LeaderboardNames{}, err
	}
	if err := head(medperf.LeaderboardHead{Benchmark: d.Benchmark, Scope: d.Scope}); err != nil {
		return medperf.LeaderboardNames{}, err
	}
	rows := slices.Clone(d.Results)
	slices.SortFunc(rows, func(a, b medperf.BoardResult) int {
		return cmp.Or(cmp.Compare(a.Dataset.ID, b.Dataset.ID), cmp.Compare(a.Model.ID, b.Model.ID), cmp.Compare(a.ID, b.ID))
	})
	var buf []byte
	models, datasets := map[int64]medperf.Named{}, map[int64]medperf.Named{}
	for _, r := range rows {
		buf = append(buf[:0], r.Metrics...)
		if err := row(medperf.BoardRow{ID: r.ID, Model: r.Model.ID, Dataset: r.Dataset.ID, Metrics: buf, Signed: r.Signed}); err != nil {
			return medperf.LeaderboardNames{}, err
		}
		for i := range buf {
			buf[i] = 0
		}
		models[r.Model.ID], datasets[r.Dataset.ID] = r.Model, r.Dataset
	}
	if d.Scope == medperf.ScopeAll {
		return medperf.LeaderboardNames{Models: d.Models, Datasets: d.Datasets}, nil
	}
	return medperf.LeaderboardNames{Models: namedByID(models), Datasets: namedByID(datasets)}, nil
}

// namedByID lists the names by ascending ID.
func namedByID(m map[int64]medperf.Named) []medperf.Named {
	out := make([]medperf.Named, 0, len(m))
	for _, n := range m {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b medperf.Named) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
