package auth

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter slows down repeated failed authentications (a bad bearer token,
// a failed dashboard sign-in), per key: a client address ("addr:…") or an
// account ("user:…"). A key may fail Free times; each failure after that
// makes it wait Base, then twice as long each time, up to Max. A key with
// no failure for Forget is forgotten. Successes are not counted, so that
// limiting failures never slows honest clients that authenticate.
//
// The state lives in this process: each replica of the server limits on
// its own, so behind N replicas an attacker gets up to N times the budget.
// Tokens carry 256 random bits, so the limit bounds the work of failed
// lookups and noisy clients, not the odds of a guess. Its methods are safe
// for concurrent use.
type Limiter struct {
	// Free is how many failures a key may have before it waits.
	Free int
	// Base is the first wait; Max caps the doubling waits.
	Base, Max time.Duration
	// Forget is how long a key is remembered after its last failure.
	Forget time.Duration
	// MaxKeys bounds the memory: beyond it, forgotten keys are swept, and
	// new keys share one overflow key (so a flood of addresses slows
	// itself down instead of growing the map).
	MaxKeys int
	// Now returns the current time; tests may replace it before use.
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n     int
	last  time.Time
	until time.Time
}

// overflowKey is where failures of new keys go once MaxKeys are tracked.
const overflowKey = "\x00overflow"

// NewLimiter returns a Limiter with the defaults: 10 free failures, waits
// from 1 s doubling to 5 min, keys forgotten after 15 min, 100,000 keys.
func NewLimiter() *Limiter {
	return &Limiter{Free: 10, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute,
		MaxKeys: 100000, Now: time.Now, keys: map[string]*failures{}}
}

// Wait returns how long the caller must wait before trying again: 0 when
// none of keys is held back, the longest wait otherwise.
func (l *Limiter) Wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	var wait time.Duration
	for _, k := range keys {
		f := l.lookup(k, now)
		if f != nil && f.until.After(now) {
			wait = max(wait, f.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failure of each key and returns the wait it now imposes
// (0 while failures are free).
func (l *Limiter) Fail(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	var wait time.Duration
	for _, k := range keys {
		f := l.lookup(k, now)
		if f == nil {
			f = l.add(k, now)
		}
		f.n++
		f.last = now
		if over := f.n - l.Free; over > 0 {
			d := l.Max
			if over <= 30 {
				d = min(l.Max, l.Base<<(over-1))
			}
			f.until = now.Add(d)
			wait = max(wait, d)
		}
	}
	return wait
}

// lookup returns the record of k (or of the overflow key when k is not
// tracked and the map is full), nil when there is none or it was
// forgotten.
func (l *Limiter) lookup(k string, now time.Time) *failures {
	f, ok := l.keys[k]
	if !ok && l.full() {
		f, ok = l.keys[overflowKey]
	}
	if !ok {
		return nil
	}
	if now.Sub(f.last) > l.Forget && !f.until.After(now) {
		return nil
	}
	return f
}

// full reports whether the map has no room for another key: the last of
// MaxKeys places is the overflow key's.
func (l *Limiter) full() bool { return len(l.keys) >= l.MaxKeys-1 }

// add starts a record for k, sweeping forgotten keys when the map is full
// and falling back to the overflow key when it stays full.
func (l *Limiter) add(k string, now time.Time) *failures {
	if l.keys == nil {
		l.keys = map[string]*failures{}
	}
	if l.full() {
		for key, f := range l.keys {
			if now.Sub(f.last) > l.Forget && !f.until.After(now) {
				delete(l.keys, key)
			}
		}
	}
	if l.full() {
		k = overflowKey
	}
	// Only a key without a live record gets here (see lookup), the
	// overflow key included: it starts afresh.
	f := &failures{}
	l.keys[k] = f
	return f
}

// AddressKey returns the limiter key of a client address given as
// host:port (http.Request.RemoteAddr): the IPv4 address, or the /64 of an
// IPv6 address (one host often holds a whole /64). An address that does
// not parse is its own key.
func AddressKey(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return "addr:" + remoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + a.String()
}
