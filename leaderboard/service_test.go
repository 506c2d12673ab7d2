package leaderboard_test

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// fakeStore stands for the store: its leaderboard has no results, and
// its version is fixed, so a second read of the same leaderboard is
// answered from the cache.
type fakeStore struct {
	medperf.Service
	reads *int
}

func (f fakeStore) LeaderboardData(_ context.Context, id int64) (*medperf.LeaderboardData, error) {
	*f.reads++
	return &medperf.LeaderboardData{
		Benchmark: medperf.Benchmark{Common: medperf.Common{ID: id}, Name: "b"}, Scope: medperf.ScopeAll,
		Results: []medperf.BoardResult{}, Models: []medperf.Named{}, Datasets: []medperf.Named{},
	}, nil
}

// ScanLeaderboard streams LeaderboardData, so each build counts one read.
func (f fakeStore) ScanLeaderboard(ctx context.Context, id int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	return leaderboard.DataScanner{LeaderboardService: f}.ScanLeaderboard(ctx, id, head, row)
}

func (fakeStore) LeaderboardStamp(context.Context, int64) (medperf.LeaderboardStamp, error) {
	return medperf.LeaderboardStamp{Scope: medperf.ScopeAll, Version: 7}, nil
}

func TestNewServiceRefusesMissingDependencies(t *testing.T) {
	store := fakeStore{reads: new(int)}
	for _, tt := range []struct {
		name     string
		data     leaderboard.Source
		registry medperf.Service
	}{
		{"without the leaderboard data", nil, store},
		{"without the registry", store, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := leaderboard.NewService(tt.data, tt.registry)
			if s != nil || medperf.ErrorCode(err) != medperf.CodeInternal {
				t.Errorf("NewService = %v, %v; want a CodeInternal error", s, err)
			}
		})
	}
	if _, err := leaderboard.NewService(store, store); err != nil {
		t.Errorf("NewService with both: %v", err)
	}
}

func TestTheSourcesVersionKeepsALeaderboardCached(t *testing.T) {
	store := fakeStore{reads: new(int)}
	s, err := leaderboard.NewService(store, store)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Leaderboard(context.Background(), 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	if *store.reads != 1 || s.CacheStats().Hits != 2 {
		t.Errorf("3 reads at one version read the data %d times (cache %+v); want once and 2 hits", *store.reads, s.CacheStats())
	}
}
