package sqldb

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/medperf/medperf"
)

// tokenTTL is how long an authenticated token is trusted without asking the
// database again. It bounds how long a token revoked through another
// replica keeps working here: 750 ms, so that with the lookup's own time a
// revocation is honoured by every replica within one second (issue 11; the
// replica test measures it). A revocation through this process takes effect
// at once (forgetToken).
const tokenTTL = 750 * time.Millisecond

// maxCachedTokens bounds the cache's memory: past it, expired entries are
// dropped, and if none are, the whole cache.
const maxCachedTokens = 10000

// tokenCache maps token hashes to the accounts they authenticate, for
// tokenTTL, so that a request does not cost a database round trip for its
// token (under 64 clients that lookup was most of GET /me's time).
type tokenCache struct {
	ttl time.Duration
	now func() time.Time // the real clock; tests replace it

	mu sync.Mutex
	m  map[string]cachedToken
	// gen counts invalidations: a lookup that started before one must not
	// put back what was invalidated while it ran.
	gen uint64
	// flights are the database lookups under way, by token hash: when an
	// entry expires under many clients of one token, one request looks
	// the token up and the others wait for its answer, instead of all of
	// them queueing for database connections at once (a latency spike
	// every tokenTTL).
	flights map[string]*flight
}

// flight is one database lookup of a token hash that concurrent requests
// share. user and err are set before done is closed.
type flight struct {
	gen  uint64 // the generation it started at
	done chan struct{}
	user *medperf.User
	err  error
}

type cachedToken struct {
	user    medperf.User
	tokenID int64
	expires time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, now: time.Now, m: map[string]cachedToken{}, flights: map[string]*flight{}}
}

// get returns the account of a token hash while its entry is fresh.
func (c *tokenCache) get(hash string) (*medperf.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	u := e.user
	return &u, true
}

// generation returns the invalidation count, to pass to put.
func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// join returns the lookup of hash under way since the current generation
// (lead false: wait for it), or starts one (lead true: the caller looks the
// token up and calls land). A lookup that started before an invalidation
// is not joined: it may have read the token before its revocation.
func (c *tokenCache) join(hash string) (f *flight, lead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.flights[hash]; ok && f.gen == c.gen {
		return f, false
	}
	f = &flight{gen: c.gen, done: make(chan struct{})}
	c.flights[hash] = f
	return f, true
}

// land ends the lookup f of hash: it caches what was found (tokenID and u
// when err is nil), unless something was invalidated since f started, and
// wakes the requests that wait for it.
func (c *tokenCache) land(hash string, f *flight, tokenID int64, u *medperf.User, err error) {
	c.mu.Lock()
	if c.flights[hash] == f {
		delete(c.flights, hash)
	}
	if err == nil {
		c.putLocked(hash, tokenID, *u, f.gen)
	}
	c.mu.Unlock()
	if u != nil {
		cp := *u // the leader's caller has u; waiters copy from their own
		f.user = &cp
	}
	f.err = err
	close(f.done)
}

// errLookupFailed is what wait returns when the shared lookup failed for a
// reason of its own (its request was canceled, the database failed it):
// the waiter then looks the token up itself.
var errLookupFailed = errors.New("the shared token lookup failed")

// wait returns the account f found, a copy for this caller; a refused
// token is refused for every waiter.
func (f *flight) wait(ctx context.Context) (*medperf.User, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, internal(ctx.Err())
	}
	switch {
	case f.err == nil:
		cp := *f.user
		return &cp, nil
	case medperf.ErrorCode(f.err) == medperf.CodeUnauthorized:
		return nil, f.err
	}
	return nil, errLookupFailed
}

// put caches what a lookup that started at generation gen found, unless
// something was invalidated since.
func (c *tokenCache) put(hash string, tokenID int64, u medperf.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(hash, tokenID, u, gen)
}

func (c *tokenCache) putLocked(hash string, tokenID int64, u medperf.User, gen uint64) {
	if gen != c.gen {
		return
	}
	now := c.now()
	if len(c.m) >= maxCachedTokens {
		for h, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, h)
			}
		}
		if len(c.m) >= maxCachedTokens {
			clear(c.m)
		}
	}
	c.m[hash] = cachedToken{user: u, tokenID: tokenID, expires: now.Add(c.ttl)}
}

// forgetToken drops the entry of a revoked token, at once.
func (c *tokenCache) forgetToken(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if e.tokenID == id {
			delete(c.m, h)
		}
	}
}

// forgetAll empties the cache.
func (c *tokenCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}
