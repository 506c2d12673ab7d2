package api_test

import (
	"net/http"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestFinding16FailingTokensAreRateLimited: an address whose bearer tokens
// keep failing gets 429 rate_limited with Retry-After, even for a valid
// token, while anonymous requests still work; the limit is per address, not
// global (a valid token was never counted).
func TestFinding16FailingTokensAreRateLimited(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	url := ts.URL() + "/api/v1/me"
	n := 0
	for ; n < 50; n++ {
		r := call(t, "GET", url, "mpt_not-a-token", nil)
		if r.status == http.StatusTooManyRequests {
			if r.err.Code != medperf.CodeRateLimited {
				t.Fatalf("429 with code %s", r.err.Code)
			}
			break
		}
		if r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", n, r.status)
		}
	}
	if n == 50 {
		t.Fatal("50 failing tokens from one address were never limited")
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+w.Stranger.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("a valid token from the limited address: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if r := call(t, "GET", ts.URL()+"/api/v1/version", "", nil); r.status != http.StatusOK {
		t.Fatalf("an anonymous request: %d", r.status)
	}
	_, err = ts.Client(t, w.Stranger.Token).Me(ctx)
	if medperf.ErrorCode(err) != medperf.CodeRateLimited {
		t.Fatalf("the Go client reads %v, want rate_limited", err)
	}
}
