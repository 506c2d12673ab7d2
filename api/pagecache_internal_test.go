package api

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medperf/medperf"
)

func testEncodedPage(t *testing.T, stamp string, results int) *encodedPage {
	t.Helper()
	l := &medperf.List[medperf.Result]{Items: make([]medperf.Result, results), Total: results, Stamp: stamp}
	p, err := encodePage(stamp, l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPageCacheStaysWithinItsBytes(t *testing.T) {
	one := testEncodedPage(t, "s0", 10).size()
	c := newPageCache(5*one + one/2)
	for i := range 20 {
		c.put(testEncodedPage(t, fmt.Sprint("s", i), 10))
		if i == 10 {
			if _, ok := c.get("s8"); !ok {
				t.Fatal("page s8 was dropped before pages put after it")
			}
		}
		if st := c.stats(); st.Bytes > c.max {
			t.Fatalf("after %d pages the cache holds %d bytes, over its %d", i+1, st.Bytes, c.max)
		}
	}
	if len(c.pages) != 5 || c.order.Len() != 5 {
		t.Errorf("%d pages (%d in order), want the 5 that fit", len(c.pages), c.order.Len())
	}
	for i := 15; i < 20; i++ {
		if _, ok := c.get(fmt.Sprint("s", i)); !ok {
			t.Errorf("page s%d, among the last put, was dropped", i)
		}
	}
	if _, ok := c.get("s0"); ok {
		t.Error("the oldest page is still there")
	}
}

func TestPageCacheRefusesWhatCannotFit(t *testing.T) {
	small := testEncodedPage(t, "small", 1)
	t.Run("a page over a quarter of the budget is not kept", func(t *testing.T) {
		c := newPageCache(4 * small.size())
		c.put(testEncodedPage(t, "big", 2))
		if _, ok := c.get("big"); ok || c.stats().Bytes != 0 {
			t.Errorf("kept a page over a quarter of the budget (%d bytes)", c.stats().Bytes)
		}
	})
	t.Run("a negative budget keeps nothing", func(t *testing.T) {
		c := newPageCache(-1)
		c.put(small)
		if _, ok := c.get("small"); ok {
			t.Error("kept a page with a negative budget")
		}
	})
	t.Run("the zero budget is the default", func(t *testing.T) {
		if c := newPageCache(0); c.max != DefaultPageCacheBytes {
			t.Errorf("budget %d, want %d", c.max, DefaultPageCacheBytes)
		}
	})
	t.Run("a page put twice is counted once", func(t *testing.T) {
		c := newPageCache(0)
		c.put(small)
		c.put(testEncodedPage(t, "small", 1))
		if st := c.stats(); st.Bytes != small.size() {
			t.Errorf("%d bytes, want %d", st.Bytes, small.size())
		}
	})
}

func TestEncodedPagesAreWhatWriteJSONSends(t *testing.T) {
	l := &medperf.List[medperf.Result]{Items: make([]medperf.Result, 3), Total: 3, Stamp: "x"}
	p := testEncodedPage(t, "x", 3)
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, l)
	if !bytes.Equal(rec.Body.Bytes(), p.body) {
		t.Errorf("cached bytes differ from writeJSON's:\n%s\n%s", p.body, rec.Body.Bytes())
	}
	if other := testEncodedPage(t, "y", 3); other.etag != p.etag {
		t.Errorf("equal bodies, different ETags %s and %s", p.etag, other.etag)
	}
	if other := testEncodedPage(t, "x", 4); other.etag == p.etag {
		t.Errorf("different bodies share the ETag %s", p.etag)
	}
}

func TestWriteJSONRefusesWhatCannotBeEncoded(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]any{"x": make(chan int)})
	if rec.Code != http.StatusInternalServerError || !bytes.Contains(rec.Body.Bytes(), []byte(`"code":"internal"`)) {
		t.Errorf("got %d %s, want a 500 with an internal error body", rec.Code, rec.Body.Bytes())
	}
	if _, err := encodePage("s", map[string]any{"x": make(chan int)}); medperf.ErrorCode(err) != medperf.CodeInternal {
		t.Errorf("encodePage: %v, want an internal error", err)
	}
}
