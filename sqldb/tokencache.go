package sqldb

import (
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
}

type cachedToken struct {
	user    medperf.User
	tokenID int64
	expires time.Time
}

func newTokenCache(ttl time.Duration) *tokenCache {
	return &tokenCache{ttl: ttl, now: time.Now, m: map[string]cachedToken{}}
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

// put caches what a lookup that started at generation gen found, unless
// something was invalidated since.
func (c *tokenCache) put(hash string, tokenID int64, u medperf.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
