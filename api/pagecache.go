package api

import (
	lru "container/list"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/medperf/medperf"
)

// DefaultPageCacheBytes bounds the memory of the encoded pages a Handler
// keeps (Config.PageCacheBytes): 32 MiB, about a thousand 30 KB pages of
// 100 results.
const DefaultPageCacheBytes = 32 << 20

// PageCacheStats counts the encoded pages a Handler answered from its
// cache (Hits) and those it had to encode (Misses), and the bytes it holds.
type PageCacheStats struct {
	Hits, Misses, Bytes int64
}

// encodedPage is a list page as the API sends it: the JSON body and its
// entity tag. Endpoints return it as their value; wrap writes it (write).
type encodedPage struct {
	stamp string
	body  []byte
	etag  string
}

// pageOverhead is what a cached page costs beside its body and stamp: the
// map entry, the list element and the struct.
const pageOverhead = 160

func (p *encodedPage) size() int64 {
	return int64(len(p.body) + len(p.stamp) + len(p.etag) + pageOverhead)
}

// write sends the page, or 304 Not Modified when the request's
// If-None-Match names its entity tag. The tag is the hash of the body, so
// it is the same on every replica and only says "you already have these
// bytes": whoever gets here was authorized to read them.
func (p *encodedPage) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("ETag", p.etag)
	if etagMatches(r.Header.Values("If-None-Match"), p.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(p.body)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.body)
}

// etagMatches reports whether an If-None-Match header (its values, each a
// comma-separated list of entity tags, or "*") names etag, with the weak
// comparison RFC 9110 asks of If-None-Match. Malformed members match
// nothing.
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// encodePage encodes l as writeJSON would and tags it.
func encodePage(stamp string, l any) (*encodedPage, error) {
	body, err := encodeJSON(l)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &encodedPage{stamp: stamp, body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}, nil
}

// pageCache keeps encoded list pages under the Stamp the store gave them
// (medperf.List.Stamp), the least recently used dropped first when their
// size passes max bytes. The store gives one Stamp only to callers who see
// the same page, so a page is only ever served to a caller whose own
// request produced its Stamp; and the Stamp changes with the data, so a
// page is never served after a change the request could see.
type pageCache struct {
	max          int64 // negative: keep nothing
	mu           sync.Mutex
	size         int64
	order        lru.List // of *encodedPage, most recently used first
	pages        map[string]*lru.Element
	hits, misses atomic.Int64
}

func newPageCache(max int64) *pageCache {
	if max == 0 {
		max = DefaultPageCacheBytes
	}
	return &pageCache{max: max, pages: map[string]*lru.Element{}}
}

func (c *pageCache) get(stamp string) (*encodedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pages[stamp]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*encodedPage), true
}

// put keeps p unless it is over a quarter of the budget (one page may not
// push out most of the others).
func (c *pageCache) put(p *encodedPage) {
	size := p.size()
	if size > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pages[p.stamp]; ok {
		return
	}
	c.pages[p.stamp] = c.order.PushFront(p)
	c.size += size
	for c.size > c.max {
		old := c.order.Back()
		q := old.Value.(*encodedPage)
		c.order.Remove(old)
		delete(c.pages, q.stamp)
		c.size -= q.size()
	}
}

func (c *pageCache) stats() PageCacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return PageCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bytes: c.size}
}

// PageCacheStats returns the counts of the encoded-page cache since New.
func (h *Handler) PageCacheStats() PageCacheStats { return h.pages.stats() }

// listPage answers a list page: pages the store stamped (medperf.List.Stamp)
// are encoded once and then served from the cache, with an ETag; others
// are encoded for this request only.
func listPage[T any](h *Handler, l *medperf.List[T], err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	if l.Stamp == "" {
		return http.StatusOK, l, nil
	}
	if p, ok := h.pages.get(l.Stamp); ok {
		h.pages.hits.Add(1)
		return http.StatusOK, p, nil
	}
	h.pages.misses.Add(1)
	p, err := encodePage(l.Stamp, l)
	if err != nil {
		return 0, nil, err
	}
	h.pages.put(p)
	return http.StatusOK, p, nil
}
