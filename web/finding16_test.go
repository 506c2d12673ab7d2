package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/medperf/medperf/medperftest"
)

// TestFinding16SignInIsRateLimited: after its free failures an address
// gets 429 with Retry-After on /signin, even with a valid token (checking
// it is what the limit bounds); other pages are unaffected.
func TestFinding16SignInIsRateLimited(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b := newBrowser(t, ts.URL())
	failures := 0
	for ; failures < 50; failures++ {
		form := b.get("/signin")
		got := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "token": {"mpt_not-a-token"}})
		if got.status == http.StatusTooManyRequests {
			if got.header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			break
		}
		if got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", failures, got.status)
		}
	}
	if failures == 50 {
		t.Fatal("50 failed sign-ins from one address were never limited")
	}
	form := b.get("/signin")
	if got := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "token": {w.Stranger.Token}}); got.status != http.StatusTooManyRequests {
		t.Fatalf("a valid token from a limited address: status %d, want 429", got.status)
	}
}
