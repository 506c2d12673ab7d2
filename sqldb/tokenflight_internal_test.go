package sqldb

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

func TestTokenLookupsAreSharedByConcurrentRequests(t *testing.T) {
	c := newTokenCache(time.Second)
	f, lead := c.join("h")
	if !lead {
		t.Fatal("the first request does not lead the lookup")
	}
	g, lead := c.join("h")
	if lead || g != f {
		t.Fatal("a second request of the same token starts its own lookup")
	}
	if _, lead := c.join("other"); !lead {
		t.Fatal("another token joins this token's lookup")
	}
	got := make(chan *medperf.User)
	go func() {
		u, err := g.wait(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- u
	}()
	u := &medperf.User{ID: 7}
	c.land("h", f, 1, u, nil)
	w := <-got
	if w == nil || w.ID != 7 || w == u {
		t.Fatalf("the waiter got %+v, want a copy of user 7", w)
	}
	if cached, ok := c.get("h"); !ok || cached.ID != 7 {
		t.Error("the shared lookup's answer is not cached")
	}
	if _, lead := c.join("h"); !lead {
		t.Error("a landed lookup is joined again")
	}
}

func TestTokenLookupStartedBeforeARevocationIsNotJoined(t *testing.T) {
	c := newTokenCache(time.Second)
	old, _ := c.join("h")
	c.forgetToken(1)
	fresh, lead := c.join("h")
	if !lead || fresh == old {
		t.Fatal("a request after a revocation waits for a lookup that started before it")
	}
	c.land("h", old, 1, &medperf.User{ID: 7}, nil)
	if _, ok := c.get("h"); ok {
		t.Error("the lookup from before the revocation cached its answer")
	}
	if again, lead := c.join("h"); lead || again != fresh {
		t.Error("the old lookup's landing ended the new one")
	}
	refused := medperf.Errorf(medperf.CodeUnauthorized, "revoked")
	c.land("h", fresh, 0, nil, refused)
	if _, err := fresh.wait(context.Background()); medperf.ErrorCode(err) != medperf.CodeUnauthorized {
		t.Errorf("a waiter of a refused token got %v, want unauthorized", err)
	}
}

func TestTokenLookupFailuresOfTheLeaderAreNotShared(t *testing.T) {
	c := newTokenCache(time.Second)
	f, _ := c.join("h")
	c.land("h", f, 0, nil, medperf.Errorf(medperf.CodeCanceled, "the leader's client went away"))
	if _, err := f.wait(context.Background()); !errors.Is(err, errLookupFailed) {
		t.Errorf("a waiter of a failed lookup got %v, want to look the token up itself", err)
	}
	g, _ := c.join("h2")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.wait(ctx); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Errorf("a canceled waiter got %v, want canceled", err)
	}
}

func TestConcurrentAuthenticationsOfOneToken(t *testing.T) {
	d := openSQLite(t, Pool{})
	token, _, err := d.BootstrapAdmin(context.Background(), "admin@example.org", "")
	if err != nil {
		t.Fatal(err)
	}
	run := func(want medperf.Code) {
		var wg sync.WaitGroup
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u, err := d.Authenticate(context.Background(), token)
				if medperf.ErrorCode(err) != want || (err == nil && !u.IsAdmin) {
					t.Errorf("got %+v, %v; want code %q", u, err, want)
				}
			}()
		}
		wg.Wait()
	}
	run("")
	d.tokens.forgetAll() // as if expired: the next 32 requests share one lookup
	run("")
	ctx := medperf.WithCaller(context.Background(), mustAuth(t, d, token))
	tokens, err := d.ListTokens(ctx)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("%v, %d tokens", err, len(tokens))
	}
	if err := d.RevokeToken(ctx, tokens[0].ID); err != nil {
		t.Fatal(err)
	}
	run(medperf.CodeUnauthorized)
	if len(d.tokens.flights) != 0 {
		t.Errorf("%d lookups left in flight", len(d.tokens.flights))
	}
}

func mustAuth(t *testing.T, d *DB, token string) *medperf.User {
	t.Helper()
	u, err := d.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
