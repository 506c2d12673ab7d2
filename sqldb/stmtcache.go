package sqldb

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCache keeps the prepared statements of one SQLite pool, by query
// text, so that a query is parsed once per connection instead of on every
// call: preparing was a fifth of the CPU of a SQLite submission storm
// (modernc.org/sqlite prepares every statement it is given). PostgreSQL
// needs none: pgx caches prepared statements per connection itself.
//
// A statement is prepared on the pool (database/sql then prepares it on
// each connection that runs it, once). Inside a write transaction a cached
// statement is bound to the transaction (Tx.StmtContext), which reuses the
// writer connection's prepared copy; a statement first seen inside a
// transaction runs unprepared and is prepared afterwards, in the
// background, since the pool's one writer connection is held by that
// transaction.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
	// pending marks the queries being prepared in the background.
	pending map[string]bool
}

// maxCachedStmts bounds a cache: the store's queries are a fixed set, but
// lists and batches build some of theirs (filters, IN lists), and past
// this many those run unprepared.
const maxCachedStmts = 256

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of q, or nil.
func (s *stmtCache) get(q string) *sql.Stmt {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[q]
}

// prepare returns the prepared statement of q, preparing it on the pool
// when the cache has room; nil when it has none or preparing fails (the
// query then runs unprepared and reports its own error).
func (s *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	if st := s.get(q); st != nil || s == nil {
		return st
	}
	if s.full() {
		return nil
	}
	st, err := s.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	return s.keep(q, st)
}

// full reports whether the cache has no room for another query.
func (s *stmtCache) full() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)+len(s.pending) >= maxCachedStmts
}

// keep stores st for q, or closes it when another caller stored one first.
func (s *stmtCache) keep(q string, st *sql.Stmt) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[q]; ok {
		st.Close()
		return old
	}
	s.m[q] = st
	return st
}

// prepareLater prepares q in the background, once.
func (s *stmtCache) prepareLater(q string) {
	if s == nil || s.full() {
		return
	}
	s.mu.Lock()
	if s.pending[q] || s.m[q] != nil {
		s.mu.Unlock()
		return
	}
	s.pending[q] = true
	s.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := s.pool.PrepareContext(ctx, q)
		s.mu.Lock()
		delete(s.pending, q)
		s.mu.Unlock()
		if err == nil {
			s.keep(q, st)
		}
	}()
}

// close closes every cached statement.
func (s *stmtCache) close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for q, st := range s.m {
		st.Close()
		delete(s.m, q)
	}
}

// stmt returns the prepared form of q (already rebound) for c, or nil to
// run q as it is.
func (c conn) stmt(ctx context.Context, q string) *sql.Stmt {
	switch {
	case c.tx != nil:
		st := c.d.wstmts.get(q)
		if st == nil {
			c.d.wstmts.prepareLater(q)
			return nil
		}
		return c.tx.StmtContext(ctx, st)
	case c.q == c.d.db && c.d.rstmts != nil:
		return c.d.rstmts.prepare(ctx, q)
	}
	return nil
}
