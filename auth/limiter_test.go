package auth

import (
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter() (*Limiter, *clock) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewLimiter()
	l.Free, l.Base, l.Max, l.Forget, l.MaxKeys, l.Now = 3, time.Second, 8*time.Second, time.Minute, 4, c.now
	return l, c
}

// TestFinding16LimiterBacksOff: free failures, then waits doubling up to
// the cap; other keys are unaffected; a quiet key is forgotten.
func TestFinding16LimiterBacksOff(t *testing.T) {
	l, c := newTestLimiter()
	for i := 0; i < 3; i++ {
		if d := l.Fail("addr:a"); d != 0 {
			t.Fatalf("free failure %d waits %v", i, d)
		}
	}
	if d := l.Wait("addr:a"); d != 0 {
		t.Fatalf("waits %v after the free failures", d)
	}
	for i, want := range []time.Duration{1, 2, 4, 8, 8} {
		if d := l.Fail("addr:a"); d != want*time.Second {
			t.Fatalf("failure %d past the free ones waits %v, want %v", i, d, want*time.Second)
		}
	}
	if d := l.Wait("addr:a", "addr:b"); d != 8*time.Second {
		t.Fatalf("Wait = %v, want the longest of the keys (8s)", d)
	}
	if d := l.Wait("addr:b"); d != 0 {
		t.Fatalf("another key waits %v", d)
	}
	c.advance(8 * time.Second)
	if d := l.Wait("addr:a"); d != 0 {
		t.Fatalf("still waiting %v after the wait", d)
	}
	c.advance(2 * time.Minute)
	if d := l.Fail("addr:a"); d != 0 {
		t.Fatalf("a forgotten key waits %v on its next failure", d)
	}
}

// TestFinding16LimiterMemoryIsBounded: past MaxKeys, new keys share one
// overflow record instead of growing the map.
func TestFinding16LimiterMemoryIsBounded(t *testing.T) {
	l, _ := newTestLimiter()
	for i := 0; i < 1000; i++ {
		l.Fail(fmt.Sprintf("addr:%d", i))
	}
	if n := len(l.keys); n > l.MaxKeys {
		t.Fatalf("%d keys tracked, cap %d", n, l.MaxKeys)
	}
	if d := l.Wait("addr:new"); d == 0 {
		t.Fatal("a flood of new keys is not slowed down")
	}
}
