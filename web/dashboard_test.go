package web_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/web"
)

func TestSignInAndOut(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Run("a bad token is refused with 401 and no session", func(t *testing.T) {
		b := newBrowser(t, ts.URL())
		form := b.get("/signin")
		got := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "token": {"mpt_not-a-token"}})
		if got.status != http.StatusUnauthorized || !strings.Contains(got.body, `id="signin-error"`) {
			t.Fatalf("status %d", got.status)
		}
		if p := b.get("/benchmarks"); p.status != http.StatusSeeOther {
			t.Fatalf("status %d after a refused sign-in", p.status)
		}
	})
	t.Run("a sign-in without the form's token is refused", func(t *testing.T) {
		b := newBrowser(t, ts.URL())
		got := b.post("/signin", url.Values{"token": {w.Stranger.Token}})
		if got.status != http.StatusForbidden {
			t.Fatalf("status %d", got.status)
		}
	})
	t.Run("signing in returns to the page asked for, never to another site", func(t *testing.T) {
		for next, want := range map[string]string{"/datasets": "/datasets", "//evil.example/x": "/benchmarks", "https://evil.example/": "/benchmarks"} {
			b := newBrowser(t, ts.URL())
			form := b.get("/signin?next=" + url.QueryEscape(next))
			got := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "token": {w.Stranger.Token}, "next": {next}})
			if got.header.Get("Location") != want {
				t.Errorf("next %q: redirected to %q, want %q", next, got.header.Get("Location"), want)
			}
		}
	})
	t.Run("signing out ends the session on the server", func(t *testing.T) {
		b, token := signedIn(t, ts, &w.Stranger)
		u, _ := url.Parse(ts.URL())
		old := b.c.Jar.Cookies(u)
		if got := b.post("/signout", url.Values{"csrf_token": {token}}); got.status != http.StatusSeeOther {
			t.Fatalf("status %d", got.status)
		}
		replay := newBrowser(t, ts.URL())
		replay.c.Jar.SetCookies(u, old)
		if p := replay.get("/benchmarks"); p.status != http.StatusSeeOther {
			t.Fatalf("the old session cookie still works: status %d", p.status)
		}
	})
}

func TestSessionCookieFlags(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	check := func(t *testing.T, base string, client *http.Client, wantSecure bool) {
		b := newBrowser(t, base)
		if client != nil {
			b.c.Transport = client.Transport
		}
		form := b.get("/signin")
		got := b.post("/signin", url.Values{"csrf_token": {csrf(t, form)}, "token": {w.Stranger.Token}})
		resp := http.Response{Header: got.header}
		var session *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == web.SessionCookie {
				session = c
			}
		}
		if session == nil {
			t.Fatalf("no session cookie (status %d)", got.status)
		}
		if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Path != "/" || session.Secure != wantSecure || session.MaxAge <= 0 {
			t.Fatalf("cookie %+v", session)
		}
		if strings.Contains(session.Value, w.Stranger.Token) {
			t.Fatal("the session cookie holds the API token")
		}
	}
	t.Run("over plain HTTP the cookie is HttpOnly and SameSite=Strict", func(t *testing.T) {
		check(t, ts.URL(), nil, false)
	})
	t.Run("under TLS the cookie is also Secure", func(t *testing.T) {
		tlsServer := httptest.NewTLSServer(MustDashboard(t, ts, nil))
		defer tlsServer.Close()
		c := tlsServer.Client()
		c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		check(t, tlsServer.URL, c, true)
	})
}

func TestSecurityHeaders(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, _ := signedIn(t, ts, &w.Stranger)
	anon := newBrowser(t, ts.URL())
	for name, p := range map[string]page{
		"sign-in page":    anon.get("/signin"),
		"redirect":        anon.get("/benchmarks"),
		"benchmark page":  b.get(fmt.Sprintf("/benchmarks/%d", w.Benchmark.ID)),
		"error page":      b.get("/benchmarks/999999"),
		"unknown page":    b.get("/no/such/page"),
		"leaderboard":     b.get(fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID)),
		"the style sheet": anon.get("/static/style.css"),
	} {
		t.Run(name, func(t *testing.T) {
			h := p.header
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'none'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("CSP allows inline code: %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", h)
			}
			if strings.Contains(p.body, "<script") || strings.Contains(p.body, " style=") {
				t.Error("the page has a script or an inline style")
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	MustPendingDataset(t, w)
	b, token := signedIn(t, ts, &w.BenchmarkOwner)
	path := fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", w.Benchmark.ID, w.Dataset.ID)
	other, otherToken := signedIn(t, ts, &w.Stranger)
	_ = other
	for name, form := range map[string]url.Values{
		"a POST without a token is refused":              {"decision": {"APPROVED"}},
		"a POST with a wrong token is refused":           {"decision": {"APPROVED"}, "csrf_token": {"mpt_" + strings.Repeat("A", 43)}},
		"a POST with another session's token is refused": {"decision": {"APPROVED"}, "csrf_token": {otherToken}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := b.post(path, form); got.status != http.StatusForbidden {
				t.Fatalf("status %d", got.status)
			}
			if s := latestStatus(t, w); s != medperf.StatusPending {
				t.Fatalf("the refused POST changed the association to %s", s)
			}
		})
	}
	t.Run("a publish without a token changes nothing", func(t *testing.T) {
		if got := b.post(fmt.Sprintf("/benchmarks/%d/publish", w.Benchmark.ID), url.Values{"public": {"true"}}); got.status != http.StatusForbidden {
			t.Fatalf("status %d", got.status)
		}
		if bm := medperftest.Must[*medperf.Benchmark](t)(w.Admin.GetBenchmark(ctx, w.Benchmark.ID)); bm.LeaderboardPublic {
			t.Fatal("published without a CSRF token")
		}
	})
	t.Run("a sign-out without a token is refused", func(t *testing.T) {
		if got := b.post("/signout", nil); got.status != http.StatusForbidden {
			t.Fatalf("status %d", got.status)
		}
	})
	t.Run("the session's own token is accepted", func(t *testing.T) {
		got := b.post(path, url.Values{"decision": {"APPROVED"}, "csrf_token": {token}})
		if got.status != http.StatusSeeOther || latestStatus(t, w) != medperf.StatusApproved {
			t.Fatalf("status %d: %s", got.status, got.body)
		}
	})
}

var urlAttr = regexp.MustCompile(`(?:href|src)="([^"]*)"`)

func TestMarkdownIsNeutralised(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	in := medperftest.BenchmarkInput("doc", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.State = medperf.StateDevelopment
	in.Document = "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n" +
		"[click](javascript:alert(3)) [data](data:text/html,hi) [vb](VBScript:x) [ok](https://example.org/ok) [rel](/benchmarks)\n\n" +
		"<javascript:alert(4)> ![img](javascript:alert(5)) <a href=\"javascript:alert(6)\">raw</a>\n"
	bm := medperftest.MustBenchmark(t, w.Stranger, in)
	b, _ := signedIn(t, ts, &w.Stranger)
	p := b.get(fmt.Sprintf("/benchmarks/%d/docs", bm.ID))
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	doc := p.body[strings.Index(p.body, `id="document"`):]
	doc = doc[:strings.Index(doc, "</article>")]
	for _, bad := range []string{"<script", "onerror", "<img src=x", "<a href=\"javascript"} {
		if strings.Contains(strings.ToLower(doc), strings.ToLower(bad)) {
			t.Errorf("the rendered document holds %q", bad)
		}
	}
	for _, m := range urlAttr.FindAllStringSubmatch(doc, -1) {
		if u := m[1]; !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "#blocked") {
			t.Errorf("the rendered document links to %q", u)
		}
	}
	if !strings.Contains(doc, `href="#blocked-link">click`) {
		t.Error("the javascript: link was not neutralised")
	}
	for _, good := range []string{"<h1", `href="https://example.org/ok"`, `href="/benchmarks"`} {
		if !strings.Contains(doc, good) {
			t.Errorf("the rendered document lacks %q", good)
		}
	}
}

func TestBadInputGivesFriendlyPages(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, token := signedIn(t, ts, &w.BenchmarkOwner)
	bench := fmt.Sprintf("/benchmarks/%d", w.Benchmark.ID)
	for _, c := range []struct {
		name, path string
		want       int
	}{
		{"an id that is not a number", "/benchmarks/abc", 400},
		{"a negative id", "/datasets/-3", 400},
		{"an unknown benchmark", "/benchmarks/999999", 404},
		{"an unknown container", "/containers/999999", 404},
		{"a negative offset", "/benchmarks?offset=-1", 400},
		{"a bad benchmark filter", "/results?benchmark=x", 400},
		{"an unknown metric", bench + "/leaderboard?metric=nope", 400},
		{"an unknown query parameter", bench + "/leaderboard?metrc=dice", 400},
		{"an unknown page", "/nowhere", 404},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.get(c.path)
			if p.status != c.want || !strings.Contains(p.body, `role="alert"`) {
				t.Fatalf("status %d, want %d", p.status, c.want)
			}
		})
	}
	for _, c := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"an unknown decision", bench + "/associations/dataset/1", url.Values{"decision": {"MAYBE"}}, 400},
		{"an unknown kind", bench + "/associations/cube/1", url.Values{"decision": {"APPROVED"}}, 400},
		{"a decision on no association", fmt.Sprintf("%s/associations/dataset/%d", bench, w.Dataset.ID), url.Values{"decision": {"APPROVED"}}, 404},
		{"a publish flag that is not a boolean", bench + "/publish", url.Values{"public": {"yes"}}, 400},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set("csrf_token", token)
			if p := b.post(c.path, c.form); p.status != c.want {
				t.Fatalf("status %d, want %d: %s", p.status, c.want, p.body)
			}
		})
	}
}

func TestLeaderboardPageMatchesTheAPI(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	b, token := signedIn(t, ts, &w.BenchmarkOwner)
	p := b.get(fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID))
	if p.status != 200 || !strings.Contains(p.body, `id="heatmap"`) || !strings.Contains(p.body, `id="spread"`) {
		t.Fatalf("status %d", p.status)
	}
	for _, want := range []string{fmt.Sprintf(`data-model="%d" data-dataset="%d" data-value="0.9"`, w.Model.ID, w.Dataset.ID),
		fmt.Sprintf(`data-model="%d" data-dataset="%d" data-value="0.7"`, w.ReferenceModel.ID, w.Dataset.ID)} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the heatmap lacks %s", want)
		}
	}
	t.Run("the CSV downloads hold the rows", func(t *testing.T) {
		csv := b.get(fmt.Sprintf("/benchmarks/%d/leaderboard.csv", w.Benchmark.ID))
		if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || strings.Count(csv.body, "\n") != 5 {
			t.Fatalf("status %d: %s", csv.status, csv.body)
		}
		res := b.get(fmt.Sprintf("/results.csv?benchmark=%d", w.Benchmark.ID))
		if res.status != 200 || strings.Count(res.body, "\n") != 3 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
	})
	t.Run("a stranger sees no chart before publication and the aggregate table after", func(t *testing.T) {
		s, _ := signedIn(t, ts, &w.Stranger)
		path := fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID)
		if p := s.get(path); p.status != 200 || strings.Contains(p.body, "data-value") || !strings.Contains(p.body, `id="empty"`) {
			t.Fatalf("status %d", p.status)
		}
		if got := b.post(fmt.Sprintf("/benchmarks/%d/publish", w.Benchmark.ID), url.Values{"public": {"true"}, "csrf_token": {token}}); got.status != http.StatusSeeOther {
			t.Fatalf("publish: status %d", got.status)
		}
		p := s.get(path)
		if p.status != 200 || strings.Contains(p.body, "data-value") || !strings.Contains(p.body, w.Model.Name) || strings.Contains(p.body, w.Dataset.Name) {
			t.Fatalf("status %d", p.status)
		}
	})
}

// MustScoredWorld builds a World whose benchmark (replaced by one that
// declares dice, higher is better, and hd95, lower is better) has two
// results on the world's dataset: the reference model (dice 0.7) and the
// approved model (dice 0.9), the first unsigned and the second signed by
// the site's registered key.
func MustScoredWorld(t *testing.T, ts *medperftest.TestServer) *medperftest.World {
	t.Helper()
	w := ts.World(t)
	in := medperftest.BenchmarkInput("declared", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.State = medperf.StateDevelopment
	in.Metrics = json.RawMessage(`{"metrics": [{"name": "dice", "direction": "higher", "min": 0, "max": 1, "primary": true},
		{"name": "hd95", "direction": "lower", "min": 0}]}`)
	b := medperftest.MustBenchmark(t, w.BenchmarkOwner, in)
	w.Benchmark = medperftest.Must[*medperf.Benchmark](t)(w.Admin.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{ApprovalStatus: medperftest.Ptr(medperf.StatusApproved)}))
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	site := medperftest.MustIdentity(t, w.DataOwner)
	for model, dice := range map[int64]float64{w.ReferenceModel.ID: 0.7, w.Model.ID: 0.9} {
		raw, _ := json.Marshal(map[string]float64{"dice": dice, "hd95": 10 * (1 - dice), "n_cases": 10})
		in := medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model, DatasetID: w.Dataset.ID, Metrics: raw}
		if model == w.Model.ID { // one signed value and one unsigned, for the signed marks
			in = medperftest.Sign(t, site, in)
		}
		if _, _, err := w.DataOwner.SubmitResult(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestChoosingAMetricReadsTheLeaderboardOnce(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := MustScoredWorld(t, ts)
	st := ts.Store().(store)
	data := &countingData{Source: st}
	dashboard := httptest.NewServer(MustDashboard(t, ts, data))
	defer dashboard.Close()
	b := newBrowser(t, dashboard.URL)
	b.MustSignIn(w.BenchmarkOwner.Token)
	path := fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID)
	for _, tt := range []struct {
		name, query string
	}{
		{"the default metric", ""},
		{"the primary metric chosen", "?metric=dice"},
		{"another metric chosen", "?metric=hd95"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data.calls.Store(0)
			p := b.get(path + tt.query)
			if p.status != 200 {
				t.Fatalf("status %d: %s", p.status, p.body)
			}
			if n := data.calls.Load(); n != 1 {
				t.Errorf("the page read the leaderboard's data %d times, want once", n)
			}
		})
	}
	t.Run("the chosen metric's board is the one shown", func(t *testing.T) {
		p := b.get(path + "?metric=hd95")
		// hd95 is 10 × (1 − dice): 1 and 3, give or take a rounding.
		for _, v := range regexp.MustCompile(`data-value="([^"]*)"`).FindAllStringSubmatch(p.body, -1) {
			f, err := strconv.ParseFloat(v[1], 64)
			if err != nil || (math.Abs(f-1) > 1e-9 && math.Abs(f-3) > 1e-9) {
				t.Errorf("a chart shows %s, not an hd95 value", v[1])
			}
		}
		if strings.Contains(p.body, `data-value="0.9"`) || strings.Contains(p.body, `data-value="0.7"`) {
			t.Error("the page shows the dice board when hd95 was chosen")
		}
	})
}

func TestNewRefusesMissingDependencies(t *testing.T) {
	ts := medperftest.NewServer(t)
	st := ts.Store().(store)
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(st, st))
	for _, tt := range []struct {
		name string
		cfg  web.Config
	}{
		{"without a service", web.Config{Sessions: st, Leaderboards: boards, Log: st}},
		{"without sessions", web.Config{Service: st, Leaderboards: boards, Log: st}},
		{"without leaderboards", web.Config{Service: st, Sessions: st, Log: st}},
		{"without the log key", web.Config{Service: st, Sessions: st, Leaderboards: boards}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, err := web.New(tt.cfg)
			if h != nil || medperf.ErrorCode(err) != medperf.CodeInternal {
				t.Errorf("New = %v, %v; want a CodeInternal error", h, err)
			}
		})
	}
}
