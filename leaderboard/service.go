package leaderboard

import (
	"context"

	"github.com/medperf/medperf"
)

// Service builds the leaderboards and result exports a caller may see from
// the registry's store. It is the one place that fetches a leaderboard's
// data: the API and the dashboard both call it, with the caller in the
// context, and never reach each other.
type Service struct {
	data     Source
	registry medperf.Service
	cache    *cache
	flights  flights
}

// Source is where a Service reads leaderboards: the results, streamed
// (medperf.LeaderboardScanner), so that a leaderboard is built in memory
// that does not grow with their number (FromScan), and the version that
// says whether a leaderboard built earlier is still current. The store is
// both. Both are required, rather than used when a store happens to have
// them, so that no wiring can silently lose the bounded memory or the
// cache (issue 10). A source that only loads the data whole, such as a
// test fake, streams it through DataScanner.
type Source interface {
	medperf.LeaderboardScanner
	medperf.LeaderboardVersions
}

// NewService returns the Service over data, which streams a leaderboard's
// results already filtered by what the caller may see and gives the
// benchmark's leaderboard version (the store), and
// registry, which lists results and names their models and datasets for
// exports. Both are required: a nil one is a CodeInternal error (a wiring
// mistake).
func NewService(data Source, registry medperf.Service) (*Service, error) {
	if data == nil || registry == nil {
		return nil, medperf.Errorf(medperf.CodeInternal, "leaderboard.NewService needs the store's leaderboard scan and versions, and the registry service")
	}
	return &Service{data: data, registry: registry, cache: newCache(DefaultCacheEntries)}, nil
}

// CacheStats returns the counts of leaderboards answered from the cache and
// built.
func (s *Service) CacheStats() CacheStats {
	return CacheStats{Hits: s.cache.hits.Load(), Misses: s.cache.misses.Load()}
}

// Leaderboard returns the caller's leaderboard of a benchmark: every board
// sorted by the primary metric when metric is empty, or only metric's board
// sorted by it (CodeInvalid on "metric" when the leaderboard has no such
// metric). What it holds depends on the caller's medperf.LeaderboardScope;
// the store's codes pass through (CodeNotFound for an unknown benchmark,
// CodeUnauthorized without a caller).
//
// The leaderboards of the scopes that are the same for every caller are cached
// under the benchmark's version read before the data: a change committed
// after that read raises the version, so the next request builds again, on
// every replica, and no request is answered with data older than the
// version it read. Requests that miss the cache together wait for one build
// of the key instead of each building it.
func (s *Service) Leaderboard(ctx context.Context, benchmarkID int64, metric string) (*Leaderboard, error) {
	stamp, err := s.data.LeaderboardStamp(ctx, benchmarkID)
	if err != nil {
		return nil, err
	}
	if stamp.Scope == medperf.ScopeVisible {
		return s.build(ctx, benchmarkID, metric)
	}
	key := cacheKey{benchmark: benchmarkID, version: stamp.Version, scope: stamp.Scope, metric: metric}
	if lb, ok := s.cache.get(key); ok {
		return lb, nil
	}
	return s.flights.do(key, func() (*Leaderboard, error) {
		if lb, ok := s.cache.peek(key); ok { // built while this request waited for its turn
			return lb, nil
		}
		lb, err := s.build(ctx, benchmarkID, metric)
		if err != nil {
			return nil, err
		}
		if lb.Scope == stamp.Scope { // the scope cannot change under a version, but a caller's role can
			s.cache.put(key, lb)
		}
		return lb, nil
	})
}

func (s *Service) build(ctx context.Context, benchmarkID int64, metric string) (*Leaderboard, error) {
	return FromScan(ctx, s.data, benchmarkID, Options{Metric: metric})
}

// Results returns every result matching f that the caller may see (f.Page
// is ignored: all of them), with the names of their models and datasets,
// for a CSV export (see WriteResultsCSV). Errors are those of the
// registry's ListResults, GetContainer and GetDataset.
func (s *Service) Results(ctx context.Context, f medperf.ResultFilter) ([]Result, error) {
	all, err := medperf.AllPages(func(p medperf.Page) (*medperf.List[medperf.Result], error) {
		f.Page = p
		return s.registry.ListResults(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	n := names{models: map[int64]Entity{}, datasets: map[int64]Entity{}}
	out := make([]Result, 0, len(all))
	for _, r := range all {
		m, err := n.lookup(n.models, r.ModelID, func(id int64) (string, error) {
			c, err := s.registry.GetContainer(ctx, id)
			if err != nil {
				return "", err
			}
			return c.Name, nil
		})
		if err != nil {
			return nil, err
		}
		d, err := n.lookup(n.datasets, r.DatasetID, func(id int64) (string, error) {
			ds, err := s.registry.GetDataset(ctx, id)
			if err != nil {
				return "", err
			}
			return ds.Name, nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, ResultOf(r, m, d))
	}
	return out, nil
}

// names caches the names of models and datasets during one export.
type names struct {
	models, datasets map[int64]Entity
}

func (names) lookup(cache map[int64]Entity, id int64, name func(int64) (string, error)) (Entity, error) {
	if e, ok := cache[id]; ok {
		return e, nil
	}
	n, err := name(id)
	if err != nil {
		return Entity{}, err
	}
	cache[id] = Entity{ID: id, Name: n}
	return cache[id], nil
}
