package web_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// keyedWorld gives the data owner an active key and a revoked one, and the
// model owner an active key; it returns the data owner's two keys.
func keyedWorld(t *testing.T, ts *medperftest.TestServer) (*medperftest.World, medperf.Key, medperf.Key) {
	t.Helper()
	w := ts.World(t)
	medperftest.MustIdentity(t, w.DataOwner)
	medperftest.MustIdentity(t, w.DataOwner)
	medperftest.MustIdentity(t, w.ModelOwner)
	keys := medperftest.Must[[]medperf.Key](t)(w.DataOwner.ListKeys(ctx, 0))
	if len(keys) != 2 {
		t.Fatalf("the data owner has %d keys", len(keys))
	}
	revoked := *medperftest.Must[*medperf.Key](t)(w.DataOwner.RevokeKey(ctx, keys[1].ID))
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	return w, keys[0], revoked
}

// keyItem returns the list item of the key with fingerprint fp in body
// (the page escapes the + of base64).
func keyItem(body, fp string) string {
	m := regexp.MustCompile(`<li data-fingerprint="` + regexp.QuoteMeta(fp) + `">(.*?)</li>`).FindStringSubmatch(html.UnescapeString(body))
	if m == nil {
		return ""
	}
	return m[1]
}

// TestEveryAccountShownShowsItsKeys checks that each page that shows who
// did what shows the account's key fingerprints with their state and
// creation date: the user's own page, the admin's list of users, the
// owner and requester cards of the dataset, approval, container and
// result pages.
func TestEveryAccountShownShowsItsKeys(t *testing.T) {
	ts := medperftest.NewServer(t)
	w, active, revoked := keyedWorld(t, ts)
	created := active.CreatedAt.UTC().Format("2006-01-02")
	checkKeys := func(t *testing.T, body string) {
		t.Helper()
		if got := keyItem(body, active.Fingerprint); !strings.Contains(got, ">active</span>") || !strings.Contains(got, "created "+created) {
			t.Errorf("the active key reads %q, want its state and creation date", got)
		}
		if got := keyItem(body, revoked.Fingerprint); !strings.Contains(got, ">revoked</span>") {
			t.Errorf("the revoked key reads %q, want it marked revoked", got)
		}
	}
	pages := []struct {
		name   string
		viewer *medperftest.User
		path   string
	}{
		{"the user's own page", &w.DataOwner, "/tokens"},
		{"the admin's list of users", &w.Admin, "/admin/users"},
		{"the dataset's owner card", &w.BenchmarkOwner, fmt.Sprintf("/datasets/%d", w.Dataset.ID)},
		{"the approval page's requester and owner", &w.BenchmarkOwner, fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", w.Benchmark.ID, w.Dataset.ID)},
		{"the trust page's own keys", &w.DataOwner, "/trust"},
		{"the audit log's actors", &w.Admin, fmt.Sprintf("/audit?actor=%d", w.DataOwner.ID)},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			b, _ := signedIn(t, ts, p.viewer)
			got := b.get(p.path)
			if got.status != 200 {
				t.Fatalf("status %d", got.status)
			}
			checkKeys(t, got.body)
		})
	}
	t.Run("the container's owner card", func(t *testing.T) {
		mine := medperftest.Must[[]medperf.Key](t)(w.ModelOwner.ListKeys(ctx, 0))
		b, _ := signedIn(t, ts, &w.Stranger)
		got := b.get(fmt.Sprintf("/containers/%d", w.Model.ID))
		if got.status != 200 || !strings.Contains(keyItem(got.body, mine[0].Fingerprint), ">active</span>") {
			t.Fatalf("status %d; the model owner's key is not on the card", got.status)
		}
	})
	t.Run("an account without keys says so", func(t *testing.T) {
		b, _ := signedIn(t, ts, &w.BenchmarkOwner)
		got := b.get(fmt.Sprintf("/benchmarks/%d", w.Benchmark.ID))
		owner := regexp.MustCompile(`(?s)<dd id="owner">(.*?)</dd>`).FindStringSubmatch(got.body)
		if owner == nil || !strings.Contains(owner[1], "no registered key") {
			t.Fatalf("the benchmark owner's card: %v", owner)
		}
	})
}

// TestTheTrustPageShowsTheLogKey checks that the trust page shows the
// fingerprint the API serves (what `medperf auth login` pins and prints),
// for any signed-in user, and that it is the server's own log key.
func TestTheTrustPageShowsTheLogKey(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	info := medperftest.Must[*trust.LogKeyInfo](t)(w.Stranger.Service.(*client.Client).LogKey(ctx))
	if !strings.HasPrefix(info.Fingerprint, "SHA256:") {
		t.Fatalf("the API's log key fingerprint is %q", info.Fingerprint)
	}
	b, _ := signedIn(t, ts, &w.Stranger)
	got := b.get("/trust")
	if got.status != 200 || !strings.Contains(html.UnescapeString(got.body), `<code id="log-fingerprint">`+info.Fingerprint+`</code>`) {
		t.Fatalf("status %d; the trust page does not show %s", got.status, info.Fingerprint)
	}
	if !strings.Contains(html.UnescapeString(got.body), info.VerifierKey) {
		t.Error("the trust page does not show the verifier key")
	}
	anon := newBrowser(t, ts.URL()).get("/trust")
	if anon.status != 303 {
		t.Errorf("an anonymous visit answers %d, want the sign-in redirect", anon.status)
	}
}

// TestBrowserKeysAndTrust reads the fingerprints in real Chromium: the
// log key on the trust page equals the API's, a dataset's owner card lists
// the owner's keys with their states, and both pages pass axe-core.
func TestBrowserKeysAndTrust(t *testing.T) {
	path := medperftest.Require(t, medperftest.Chromium)
	ts := medperftest.NewServer(t)
	w, active, revoked := keyedWorld(t, ts)
	info := medperftest.Must[*trust.LogKeyInfo](t)(w.Stranger.Service.(*client.Client).LogKey(ctx))
	bctx, cancel := medperftest.NewBrowser(t, path)
	defer cancel()
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err) // on bctx itself: the first run starts the browser for its context's life
	}
	base := ts.URL()
	browserSignIn(t, bctx, base, w.BenchmarkOwner.Token)
	t.Run("the trust page shows the API's log key", func(t *testing.T) {
		step(t, bctx, "open it from the menu", chromedp.Click(chromedp.CSS(`nav a[href="/trust"]`)), chromedp.WaitVisible(chromedp.ID("log-fingerprint")))
		if got := text(t, bctx, "#log-fingerprint"); got != info.Fingerprint {
			t.Errorf("the page shows %q, the API %q", got, info.Fingerprint)
		}
		medperftest.CheckAccessible(t, bctx, "trust")
		medperftest.Screenshot(t, bctx, "page-trust-1280")
	})
	t.Run("the dataset's owner card lists the owner's keys", func(t *testing.T) {
		step(t, bctx, "open the dataset", chromedp.Navigate(fmt.Sprintf("%s/datasets/%d", base, w.Dataset.ID)), chromedp.WaitVisible(chromedp.ID("owner")))
		items := attrs(t, bctx, "#owner li[data-fingerprint]")
		if len(items) != 2 || items[0]["data-fingerprint"] != active.Fingerprint || items[1]["data-fingerprint"] != revoked.Fingerprint {
			t.Fatalf("the card lists %v; want the active then the revoked key", items)
		}
		if got := text(t, bctx, fmt.Sprintf(`#owner li[data-fingerprint="%s"] .key-state`, revoked.Fingerprint)); got != "revoked" {
			t.Errorf("the revoked key's state reads %q", got)
		}
		medperftest.CheckAccessible(t, bctx, "dataset-keys")
		step(t, bctx, "at 800 px", chromedp.EmulateViewport(800, 900))
		if over, err := medperftest.HorizontalOverflow(bctx); err != nil || over > 0 {
			t.Errorf("the dataset page at 800 px scrolls sideways by %d px (%v)", over, err)
		}
	})
}

// TestTheContainerPageSaysWhoSignedIt checks the container page's
// signature line, unsigned and then signed by its owner's key.
func TestTheContainerPageSaysWhoSignedIt(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, _ := signedIn(t, ts, &w.Stranger)
	signature := func() string {
		t.Helper()
		got := b.get(fmt.Sprintf("/containers/%d", w.Model.ID))
		m := regexp.MustCompile(`(?s)<dd id="signature">(.*?)</dd>`).FindStringSubmatch(html.UnescapeString(got.body))
		if got.status != 200 || m == nil {
			t.Fatalf("status %d, no signature line", got.status)
		}
		return m[1]
	}
	if got := signature(); !strings.Contains(got, "not signed") {
		t.Errorf("an unsigned container reads %q", got)
	}
	key := medperftest.MustIdentity(t, w.ModelOwner)
	medperftest.Must[*medperf.Container](t)(w.ModelOwner.SignContainer(ctx, w.Model.ID, medperftest.SignContainer(t, key, w.Model.Input())))
	if got := signature(); !strings.Contains(got, "<code>"+key.Public().Fingerprint()+"</code>") {
		t.Errorf("a signed container reads %q", got)
	}
}
