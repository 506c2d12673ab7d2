package leaderboard_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// fakeStore stands for the store; NewService only keeps it.
type fakeStore struct {
	medperf.Service
	medperf.LeaderboardService
}

func TestNewServiceRefusesMissingDependencies(t *testing.T) {
	store := fakeStore{}
	for _, tt := range []struct {
		name     string
		data     medperf.LeaderboardService
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
