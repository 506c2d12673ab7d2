package sqldb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// testPage returns a page of n results whose metrics are about size bytes
// each.
func testPage(n, size int) *medperf.List[medperf.Result] {
	l := &medperf.List[medperf.Result]{Items: []medperf.Result{}, Total: n, Limit: n}
	for i := range n {
		r := medperf.Result{Metrics: json.RawMessage(`{"x":"` + strings.Repeat("a", size) + `"}`)}
		r.ID = int64(i + 1)
		l.Items = append(l.Items, r)
	}
	return l
}

func TestResultPagesStayWithinTheirBytes(t *testing.T) {
	key := func(i int) pageKey { return pageKey{benchmark: 1, version: int64(i), limit: 10} }
	one := pageSize(key(0), testPage(10, 1000))
	c := &resultPages{max: 5 * one}
	for i := range 20 {
		c.put(key(i), testPage(10, 1000))
		if i == 10 {
			if _, ok := c.get(key(8)); !ok { // used: it outlives 9 and 10
				t.Fatal("page 8 was dropped before pages put after it")
			}
		}
		if c.size > c.max {
			t.Fatalf("after %d pages the cache holds %d bytes, over its %d", i+1, c.size, c.max)
		}
	}
	if len(c.pages) != 5 || c.order.Len() != 5 {
		t.Errorf("%d pages (%d in order), want the 5 that fit", len(c.pages), c.order.Len())
	}
	for i := 15; i < 20; i++ {
		if _, ok := c.get(key(i)); !ok {
			t.Errorf("page %d, among the last put, was dropped", i)
		}
	}
	if _, ok := c.get(key(0)); ok {
		t.Error("the oldest page is still there")
	}
}

func TestResultPagesRefuseWhatCannotFit(t *testing.T) {
	k := pageKey{benchmark: 1, limit: 100}
	t.Run("a page over a quarter of the budget is not kept", func(t *testing.T) {
		c := &resultPages{max: 4 * pageSize(k, testPage(100, 100))}
		c.put(k, testPage(100, 200))
		if _, ok := c.get(k); ok || c.size != 0 {
			t.Errorf("kept a page over a quarter of the budget (size %d)", c.size)
		}
	})
	t.Run("a negative budget keeps nothing", func(t *testing.T) {
		c := &resultPages{max: -1}
		c.put(k, testPage(1, 1))
		if _, ok := c.get(k); ok {
			t.Error("kept a page with a negative budget")
		}
	})
	t.Run("the zero budget is the default", func(t *testing.T) {
		c := &resultPages{}
		c.put(k, testPage(100, 100))
		if _, ok := c.get(k); !ok {
			t.Error("the default budget keeps no page of 100 results")
		}
	})
}

func TestResultPagesHandOutCopies(t *testing.T) {
	k := pageKey{benchmark: 1, limit: 2}
	c := &resultPages{}
	l := testPage(2, 1)
	c.put(k, l)
	l.Total, l.Next = 99, "changed" // the caller's list after put
	got, _ := c.get(k)
	got.Stamp, got.Total = "set by a reader", 98
	again, _ := c.get(k)
	if again.Total != 2 || again.Next != "" || again.Stamp != "" {
		t.Errorf("the cached header changed with its callers' copies: %+v", again)
	}
}

func TestPageKeyStampsDiffer(t *testing.T) {
	base := pageKey{benchmark: 1, version: 2, limit: 100}
	variants := []pageKey{base}
	for _, change := range []func(*pageKey){
		func(k *pageKey) { k.benchmark = 11 }, func(k *pageKey) { k.version = 3 }, func(k *pageKey) { k.model = 1 },
		func(k *pageKey) { k.dataset = 1 }, func(k *pageKey) { k.owner = 1 }, func(k *pageKey) { k.limit = 10 },
		func(k *pageKey) { k.offset = 100 }, func(k *pageKey) { k.keyset = true }, func(k *pageKey) { k.total = true },
		func(k *pageKey) { k.cursor = "v1:5" }, func(k *pageKey) { k.cursor = "/b1/v2" },
	} {
		k := base
		change(&k)
		variants = append(variants, k)
	}
	seen := map[string]pageKey{}
	for _, k := range variants {
		s := k.stamp()
		if other, dup := seen[s]; dup {
			t.Errorf("keys %+v and %+v share the stamp %q", k, other, s)
		}
		seen[s] = k
	}
}
