package sqldb

import (
	"context"
	"sync"

	"github.com/medperf/medperf"
)

// maxCachedPages bounds the result pages a store keeps in memory; each
// holds at most medperf.MaxPageSize results.
const maxCachedPages = 256

// pageKey names one page of a benchmark's results as a caller who sees
// them all (an admin or the benchmark's owner) lists it: the benchmark's
// leaderboard version is part of the key, and it changes in the
// transaction of every change of the benchmark's results (bumpBoards), so
// a cached page is never older than the version the request read, on any
// replica.
type pageKey struct {
	benchmark, version    int64
	model, dataset, owner int64
	limit, offset         int
	cursor                string
	keyset, total         bool
}

// resultPages caches results pages (see pageKey). The pages are never
// changed once stored; readers get a copy of the List header.
type resultPages struct {
	mu    sync.Mutex
	pages map[pageKey]*medperf.List[medperf.Result]
}

func (c *resultPages) get(k pageKey) (*medperf.List[medperf.Result], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.pages[k]
	if !ok {
		return nil, false
	}
	cp := *l
	return &cp, true
}

func (c *resultPages) put(k pageKey, l *medperf.List[medperf.Result]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil || len(c.pages) >= maxCachedPages {
		c.pages = map[pageKey]*medperf.List[medperf.Result]{} // drop all: simple and bounded
	}
	cp := *l
	c.pages[k] = &cp
}

// benchmarkView reads, in one indexed query, the owner of a benchmark and
// its leaderboard version; found is false for an unknown benchmark.
func (d *DB) benchmarkView(ctx context.Context, id int64) (owner, version int64, found bool, err error) {
	err = d.read().row(ctx, `SELECT b.owner, `+boardVersion+` FROM benchmarks b WHERE b.id = ?`, id).Scan(&owner, &version)
	if noRows(err) {
		return 0, 0, false, nil
	}
	return owner, version, err == nil, err
}
