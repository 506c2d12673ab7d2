package sqldb

import (
	lru "container/list"
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

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
// a cached page is never older than the version the request used, on any
// replica; that version is at most viewTTL old, and never older than this
// replica's own last commit (benchmarkViews). The page is normalized
// first, so "limit=" and "limit=100" are one key.
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

// viewTTL is how long a benchmark's owner and version, once read, answer
// the results pages of that benchmark without reading them again, unless
// this process commits a write first (which forgets them at once). It
// bounds how much older than a change committed by another replica (or
// another process on the same database) a results page served here can
// be: a quarter of a second, well within the second in which a revoked
// token stops working on every replica (tokenTTL). Under 64 clients the
// read it saves was a third of a cached page's CPU on SQLite and a
// database round trip on PostgreSQL.
const viewTTL = 250 * time.Millisecond

// maxCachedViews bounds the views kept: past it, all are forgotten.
const maxCachedViews = 4096

// benchmarkViews caches benchmarkView's answers (see viewTTL). Its zero
// value is ready to use.
type benchmarkViews struct {
	ttl time.Duration    // 0: viewTTL
	now func() time.Time // nil: time.Now; tests replace it
	// gen counts the commits of this process: a view read before a commit
	// is not used after it, even if it was stored after it.
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[int64]cachedView
	// query is the prepared benchmarkView query (SQLite re-parses a query
	// text on every call otherwise: most of that read's time).
	queryOnce sync.Once
	query     *sql.Stmt
}

type cachedView struct {
	owner, version int64
	gen            uint64
	read           time.Time // when the read that gave it started
}

func (v *benchmarkViews) clock() time.Time {
	if v.now != nil {
		return v.now()
	}
	return time.Now()
}

// committed forgets every view: this process committed a write (or tried
// to: a commit whose answer was lost may have happened).
func (v *benchmarkViews) committed() { v.gen.Add(1) }

// get returns the view of benchmark id read after this process's last
// commit and less than the TTL ago.
func (v *benchmarkViews) get(id int64) (owner, version int64, ok bool) {
	ttl := v.ttl
	if ttl == 0 {
		ttl = viewTTL
	}
	gen := v.gen.Load()
	now := v.clock()
	v.mu.Lock()
	e, found := v.m[id]
	v.mu.Unlock()
	if !found || e.gen != gen || now.Sub(e.read) >= ttl || now.Before(e.read) {
		return 0, 0, false
	}
	return e.owner, e.version, true
}

// put stores a view that a read started at read, in commit generation
// gen, gave.
func (v *benchmarkViews) put(id, owner, version int64, gen uint64, read time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxCachedViews {
		v.m = map[int64]cachedView{}
	}
	if e, ok := v.m[id]; ok && e.gen == gen && e.read.After(read) {
		return // a later read already answered
	}
	v.m[id] = cachedView{owner: owner, version: version, gen: gen, read: read}
}

// benchmarkView returns the owner of a benchmark and its leaderboard
// version, from one indexed query or the views cache (viewTTL); found is
// false for an unknown benchmark (never cached: a benchmark registered
// through another replica is seen at once).
func (d *DB) benchmarkView(ctx context.Context, id int64) (owner, version int64, found bool, err error) {
	if owner, version, ok := d.views.get(id); ok {
		return owner, version, true, nil
	}
	gen, start := d.views.gen.Load(), d.views.clock()
	d.views.queryOnce.Do(func() {
		// A failed prepare leaves query nil: the query text below still works.
		d.views.query, _ = d.db.PrepareContext(context.WithoutCancel(ctx), d.rebind(benchmarkViewSQL))
	})
	var row *sql.Row
	if d.views.query != nil {
		row = d.views.query.QueryRowContext(ctx, id)
	} else {
		row = d.read().row(ctx, benchmarkViewSQL, id)
	}
	err = row.Scan(&owner, &version)
	if noRows(err) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	d.views.put(id, owner, version, gen, start)
	return owner, version, true, nil
}
