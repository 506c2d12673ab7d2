package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/web"
)

var ctx = context.Background()

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see every status.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// page is a response, read.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the first form of a page.
func csrf(tb testing.TB, p page) string {
	tb.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		tb.Fatalf("no CSRF token in the page (status %d)", p.status)
	}
	return m[1]
}

// MustSignIn signs b in with token and returns the session's CSRF token.
func (b *browser) MustSignIn(token string) string {
	b.t.Helper()
	form := b.get("/signin")
	got := b.post("/signin", url.Values{"csrf_token": {csrf(b.t, form)}, "token": {token}})
	if got.status != http.StatusSeeOther {
		b.t.Fatalf("sign-in: status %d: %s", got.status, got.body)
	}
	return csrf(b.t, b.get("/benchmarks"))
}

// signedIn returns a browser signed in as u (nil: anonymous) and its CSRF
// token.
func signedIn(t testing.TB, ts *medperftest.TestServer, u *medperftest.User) (*browser, string) {
	b := newBrowser(t, ts.URL())
	if u == nil {
		return b, ""
	}
	return b, b.MustSignIn(u.Token)
}

// MustPendingDataset has the world's data owner ask to join its benchmark.
func MustPendingDataset(tb testing.TB, w *medperftest.World) {
	tb.Helper()
	medperftest.Must[*medperf.Association](tb)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset,
		medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
}

// latestStatus returns the status of the world's dataset association.
func latestStatus(tb testing.TB, w *medperftest.World) medperf.ApprovalStatus {
	tb.Helper()
	h := medperftest.Must[[]medperf.Association](tb)(w.Admin.AssociationHistory(ctx, w.Benchmark.ID, medperf.KindDataset, w.Dataset.ID))
	return h[len(h)-1].ApprovalStatus
}

// store is what a test server's store is to the dashboard: the registry,
// the session keeper and the source of leaderboard data.
type store interface {
	medperf.Service
	medperf.SessionService
	leaderboard.Source
	web.LogKeyService
}

// MustDashboard returns a dashboard over ts's store, as the server wires
// it, but reading leaderboard data through data (nil: the store itself).
func MustDashboard(tb testing.TB, ts *medperftest.TestServer, data leaderboard.Source) *web.Handler {
	tb.Helper()
	st, ok := ts.Store().(store)
	if !ok {
		tb.Fatalf("the test server's store %T keeps no sessions or leaderboards", ts.Store())
	}
	if data == nil {
		data = st
	}
	boards := medperftest.Must[*leaderboard.Service](tb)(leaderboard.NewService(data, st))
	return medperftest.Must[*web.Handler](tb)(web.New(web.Config{Service: st, Sessions: st, Leaderboards: boards, Log: st}))
}

// countingData counts the scans of leaderboard data (every build is one),
// to catch a page that builds a leaderboard twice. Its version changes on every read of the
// stamp, so the leaderboard cache never answers: every Leaderboard call of
// a page reads the data, and a second call shows in the count.
type countingData struct {
	leaderboard.Source
	calls   atomic.Int64
	version atomic.Int64
}

// LeaderboardStamp gives the store's scope and a fresh version.
func (c *countingData) LeaderboardStamp(ctx context.Context, benchmarkID int64) (medperf.LeaderboardStamp, error) {
	stamp, err := c.Source.LeaderboardStamp(ctx, benchmarkID)
	stamp.Version = c.version.Add(1)
	return stamp, err
}

func (c *countingData) ScanLeaderboard(ctx context.Context, benchmarkID int64, head func(medperf.LeaderboardHead) error, row func(medperf.BoardRow) error) (medperf.LeaderboardNames, error) {
	c.calls.Add(1)
	return c.Source.ScanLeaderboard(ctx, benchmarkID, head, row)
}
