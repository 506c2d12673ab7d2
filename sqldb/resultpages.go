package sqldb

import (
	lru "container/list"
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/medperf/medperf"
)

// DefaultResultPagesBytes bounds the memory of the result pages a store
// keeps (32 MiB): at about 300 bytes a result, some hundred pages of 100
// results, more than the pages that are read again and again (the first
// pages of a benchmark's list, the page a dashboard or a polling site
// shows).
const DefaultResultPagesBytes = 32 << 20

// pageKey names one page of a benchmark's results as a caller who sees
// them all (an admin or the benchmark's owner) lists it: the benchmark's
// leaderboard version is part of the key, and it changes in the
// transaction of every change of the benchmark's results (bumpBoards), so
// a cached page is never older than the version the request read, on any
// replica. The page is normalized first, so "limit=" and "limit=100" are
// one key.
type pageKey struct {
	benchmark, version    int64
	model, dataset, owner int64
	limit, offset         int
	cursor                string
	keyset, total         bool
}

// stamp is the key as a medperf.List Stamp: every field, the cursor last
// (it is the only free-form one, so no two keys give the same text), and
// the visibility class of the callers it is for ("all": those who see
// every result of the benchmark).
func (k pageKey) stamp() string {
	return fmt.Sprintf("results/all/b%d/v%d/m%d/d%d/o%d/l%d/f%d/k%t/t%t/c%s", k.benchmark, k.version, k.model,
		k.dataset, k.owner, k.limit, k.offset, k.keyset, k.total, k.cursor)
}

// resultPages caches results pages (see pageKey), the least recently used
// dropped first when the pages' estimated size passes max bytes. A stored
// page is never changed; readers get a copy of its List header.
type resultPages struct {
	mu    sync.Mutex
	max   int64 // 0: DefaultResultPagesBytes; negative: cache nothing
	size  int64
	order lru.List // of *cachedPage, most recently used first
	pages map[pageKey]*lru.Element
	// view is the prepared benchmarkView query (SQLite re-parses a query
	// text on every call otherwise: most of that read's time).
	viewOnce sync.Once
	view     *sql.Stmt
}

type cachedPage struct {
	key  pageKey
	list *medperf.List[medperf.Result]
	size int64
}

func (c *resultPages) get(k pageKey) (*medperf.List[medperf.Result], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pages[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	cp := *e.Value.(*cachedPage).list
	return &cp, true
}

func (c *resultPages) put(k pageKey, l *medperf.List[medperf.Result]) {
	budget := c.max
	if budget == 0 {
		budget = DefaultResultPagesBytes
	}
	size := pageSize(k, l)
	if size > budget/4 {
		return // one page may not push out most of the others
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil {
		c.pages = map[pageKey]*lru.Element{}
	}
	if _, ok := c.pages[k]; ok {
		return
	}
	cp := *l
	c.pages[k] = c.order.PushFront(&cachedPage{key: k, list: &cp, size: size})
	c.size += size
	for c.size > budget {
		old := c.order.Back()
		p := old.Value.(*cachedPage)
		c.order.Remove(old)
		delete(c.pages, p.key)
		c.size -= p.size
	}
}

// pageSize estimates the memory a cached page holds: its results' fixed
// fields and the bytes of their variable ones, and the key.
func pageSize(k pageKey, l *medperf.List[medperf.Result]) int64 {
	const fixed = 256 // a Result's words, times and slice headers, and the map and list entries
	n := int64(fixed + len(k.cursor) + len(l.Next))
	for _, r := range l.Items {
		n += fixed + int64(len(r.Name)+len(r.Metrics)+len(r.IdempotencyKey)+len(r.Envelope)+len(r.Metadata)+len(r.UserMetadata))
	}
	return n
}

// benchmarkViewSQL reads a benchmark's owner and leaderboard version.
const benchmarkViewSQL = `SELECT b.owner, ` + boardVersion + ` FROM benchmarks b WHERE b.id = ?`

// benchmarkView reads, in one indexed query, the owner of a benchmark and
// its leaderboard version; found is false for an unknown benchmark.
func (d *DB) benchmarkView(ctx context.Context, id int64) (owner, version int64, found bool, err error) {
	d.pages.viewOnce.Do(func() {
		// A failed prepare leaves view nil: the query text below still works.
		d.pages.view, _ = d.db.PrepareContext(context.WithoutCancel(ctx), d.rebind(benchmarkViewSQL))
	})
	var row *sql.Row
	if d.pages.view != nil {
		row = d.pages.view.QueryRowContext(ctx, id)
	} else {
		row = d.read().row(ctx, benchmarkViewSQL, id)
	}
	err = row.Scan(&owner, &version)
	if noRows(err) {
		return 0, 0, false, nil
	}
	return owner, version, err == nil, err
}
