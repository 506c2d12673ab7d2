package sqldb

import (
	"testing"
	"time"
)

// TestBenchmarkViewsForgetOnCommitAndAfterTheirTTL checks the views cache's
// contract: a view answers until this process commits or its TTL passes,
// a view read before a commit is never used after it (even stored after
// it), and an older read never replaces a newer one.
func TestBenchmarkViewsForgetOnCommitAndAfterTheirTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	v := &benchmarkViews{ttl: time.Second, now: func() time.Time { return now }}
	if _, _, ok := v.get(1); ok {
		t.Fatal("an empty cache answered")
	}
	v.put(1, 7, 3, v.gen.Load(), now)
	if o, ver, ok := v.get(1); !ok || o != 7 || ver != 3 {
		t.Fatalf("get = %d, %d, %v; want 7, 3, true", o, ver, ok)
	}
	now = now.Add(999 * time.Millisecond)
	if _, _, ok := v.get(1); !ok {
		t.Error("a view was forgotten before its TTL")
	}
	now = now.Add(time.Millisecond)
	if _, _, ok := v.get(1); ok {
		t.Error("a view answered at its TTL")
	}

	// A read that started before a commit, stored after it.
	gen, start := v.gen.Load(), now
	v.committed()
	v.put(1, 7, 3, gen, start)
	if _, _, ok := v.get(1); ok {
		t.Error("a view read before a commit answered after it")
	}
	v.put(1, 7, 4, v.gen.Load(), now)
	v.committed()
	if _, _, ok := v.get(1); ok {
		t.Error("a view answered after a commit")
	}

	// An older read stored after a newer one keeps the newer.
	v.put(2, 7, 9, v.gen.Load(), now)
	v.put(2, 7, 8, v.gen.Load(), now.Add(-time.Millisecond))
	if _, ver, _ := v.get(2); ver != 9 {
		t.Errorf("version %d, want the newer read's 9", ver)
	}

	// A clock that went back does not make a view last longer.
	now = now.Add(-time.Hour)
	if _, _, ok := v.get(2); ok {
		t.Error("a view read in the future answered")
	}
}

// TestBenchmarkViewsStayBounded checks that the cache forgets everything
// rather than grow past maxCachedViews.
func TestBenchmarkViewsStayBounded(t *testing.T) {
	var v benchmarkViews
	now := time.Now()
	for id := range int64(3 * maxCachedViews) {
		v.put(id, 1, 1, 0, now)
	}
	if n := len(v.m); n > maxCachedViews {
		t.Errorf("%d views kept, want at most %d", n, maxCachedViews)
	}
	if _, _, ok := v.get(3*maxCachedViews - 1); !ok {
		t.Error("the latest view was dropped")
	}
}
