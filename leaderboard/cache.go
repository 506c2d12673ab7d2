package leaderboard

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/medperf/medperf"
)

// DefaultCacheEntries bounds the leaderboards a Service keeps: each is
// bounded itself (see MaxCells), so the cache's memory does not grow with
// the number of results.
const DefaultCacheEntries = 64

// cacheKey names one built leaderboard. Only the scopes whose leaderboard
// is the same for every caller (ScopeAll, ScopePublished) are cached.
type cacheKey struct {
	benchmark int64
	version   int64
	scope     medperf.LeaderboardScope
	metric    string
}

// cache is a small LRU of built leaderboards. Entries are never changed
// after they are stored: callers get a copy of the top-level struct only,
// and must not change the boards (the API and the dashboard only read them).
type cache struct {
	mu           sync.Mutex
	max          int
	order        *list.List // of cacheKey, most recent first
	items        map[cacheKey]*list.Element
	boards       map[cacheKey]*Leaderboard
	hits, misses atomic.Int64
}

func newCache(max int) *cache {
	return &cache{max: max, order: list.New(), items: map[cacheKey]*list.Element{}, boards: map[cacheKey]*Leaderboard{}}
}

func (c *cache) get(k cacheKey) (*Leaderboard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	c.order.MoveToFront(e)
	lb := *c.boards[k]
	return &lb, true
}

// put stores lb under k and drops entries of older versions of the same
// benchmark (they can never be asked for again) and the least recently
// used beyond the bound.
func (c *cache) put(k cacheKey, lb *Leaderboard) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for old, e := range c.items {
		if old.benchmark == k.benchmark && old.version < k.version {
			c.order.Remove(e)
			delete(c.items, old)
			delete(c.boards, old)
		}
	}
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
	} else {
		c.items[k] = c.order.PushFront(k)
	}
	stored := *lb
	c.boards[k] = &stored
	for c.order.Len() > c.max {
		last := c.order.Back()
		old := last.Value.(cacheKey)
		c.order.Remove(last)
		delete(c.items, old)
		delete(c.boards, old)
	}
}

// CacheStats counts the leaderboard requests a Service answered from its
// cache (Hits) and those it built (Misses), since it was made.
type CacheStats struct {
	Hits, Misses int64
}

// peek is get without counting a hit or a miss: for a request that missed
// and then waited for another's build of the same key.
func (c *cache) peek(k cacheKey) (*Leaderboard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; !ok {
		return nil, false
	}
	lb := *c.boards[k]
	return &lb, true
}

// flights lets one request at a time build a given key: at a million
// results a build reads every result once, and requests that miss
// together would each read them (the harness's four clients did). The
// others wait for their turn and then find the board in the cache.
type flights struct {
	mu   sync.Mutex
	keys map[cacheKey]*flight
}

type flight struct {
	mu      sync.Mutex
	waiting int
}

// do runs fn for k once no other do of k runs.
func (f *flights) do(k cacheKey, fn func() (*Leaderboard, error)) (*Leaderboard, error) {
	f.mu.Lock()
	if f.keys == nil {
		f.keys = map[cacheKey]*flight{}
	}
	fl := f.keys[k]
	if fl == nil {
		fl = &flight{}
		f.keys[k] = fl
	}
	fl.waiting++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		if fl.waiting--; fl.waiting == 0 {
			delete(f.keys, k)
		}
		f.mu.Unlock()
	}()
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fn()
}
