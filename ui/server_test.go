package ui_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/ui"
)

func openUI(t *testing.T) (*ui.Server, *medperftest.World) {
	t.Helper()
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	s := &site.Site{Home: t.TempDir(), Registry: w.DataOwner.Service}
	srv, err := ui.Open(ui.Config{Site: s, User: &w.DataOwner.User, Server: ts.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, w
}

func TestUIOpenRefusesNonLoopbackAddresses(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	s := &site.Site{Home: t.TempDir(), Registry: w.DataOwner.Service}
	for _, tc := range []struct {
		addr string
		code medperf.Code
	}{
		{"0.0.0.0:0", medperf.CodeForbidden},
		{"192.0.2.1:0", medperf.CodeForbidden},
		{"example.org:0", medperf.CodeForbidden},
		{"no-port", medperf.CodeInvalid},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			_, err := ui.Open(ui.Config{Site: s, User: &w.DataOwner.User, Addr: tc.addr})
			if got := medperf.ErrorCode(err); got != tc.code {
				t.Fatalf("Open(%q) = %v (code %s), want code %s", tc.addr, err, got, tc.code)
			}
		})
	}
	t.Run("allowed with AllowRemote", func(t *testing.T) {
		srv, err := ui.Open(ui.Config{Site: s, User: &w.DataOwner.User, Addr: "0.0.0.0:0", AllowRemote: true})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
	})
	t.Run("missing user is invalid", func(t *testing.T) {
		if _, err := ui.Open(ui.Config{Site: s}); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want invalid", err)
		}
	})
}

func newBrowserClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestUISignInLinkWorksOnceAndFormsNeedTheirToken(t *testing.T) {
	srv, _ := openUI(t)
	c := newBrowserClient(t)
	if st, _, _ := get(t, c, srv.URL()+"/"); st != http.StatusUnauthorized {
		t.Fatalf("home before signing in: status %d, want 401", st)
	}
	st, body, h := get(t, c, srv.SignInURL())
	if st != http.StatusOK || !strings.Contains(body, "Your datasets") {
		t.Fatalf("sign in: status %d, body %.200s", st, body)
	}
	csp := h.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q is not strict", csp)
	}
	other := newBrowserClient(t)
	if st, _, _ := get(t, other, srv.SignInURL()); st != http.StatusForbidden {
		t.Fatalf("second use of the sign-in link: status %d, want 403", st)
	}
	if st, _, _ := get(t, other, srv.URL()+"/"); st != http.StatusUnauthorized {
		t.Fatalf("the second browser got in: status %d", st)
	}
	t.Run("a form without its token is refused", func(t *testing.T) {
		resp, err := c.PostForm(srv.URL()+"/datasets/new", url.Values{"action": {"preview"}, "benchmark": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	})
	t.Run("a form with its token is taken", func(t *testing.T) {
		_, page, _ := get(t, c, srv.URL()+"/datasets/new")
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no csrf token in the form")
		}
		resp, err := c.PostForm(srv.URL()+"/datasets/new", url.Values{"csrf_token": {m[1]}, "action": {"preview"}, "benchmark": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bad benchmark id: status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("a foreign Host is refused", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.URL()+"/", nil)
		req.Host = "attacker.example:80"
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Fatalf("status %d, want 421", resp.StatusCode)
		}
	})
	t.Run("unknown pages are 404", func(t *testing.T) {
		for _, p := range []string{"/nothing", "/datasets/abc", "/results/zzz", "/jobs/99"} {
			if st, _, _ := get(t, c, srv.URL()+p); st != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", p, st)
			}
		}
	})
}

// signedIn returns a client signed in to srv and its CSRF token.
func signedIn(t *testing.T, srv *ui.Server) (*http.Client, string) {
	t.Helper()
	c := newBrowserClient(t)
	if st, _, _ := get(t, c, srv.SignInURL()); st != http.StatusOK {
		t.Fatalf("sign in: %d", st)
	}
	_, page, _ := get(t, c, srv.URL()+"/datasets/new")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no csrf token")
	}
	return c, m[1]
}

func post(t *testing.T, c *http.Client, u, csrf string, v url.Values) (int, string) {
	t.Helper()
	v.Set("csrf_token", csrf)
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestUIBadFormsSayWhatIsWrong posts bad input to every form: each answers
// with the status of its error code and a message, never a 500, and
// starts nothing.
func TestUIBadFormsSayWhatIsWrong(t *testing.T) {
	srv, w := openUI(t)
	c, csrf := signedIn(t, srv)
	bench := strconv.FormatInt(w.Benchmark.ID, 10)
	for _, tc := range []struct {
		name, path string
		form       url.Values
		status     int
		says       string
	}{
		{"a dataset folder that does not exist", "/datasets/new", url.Values{"benchmark": {bench}, "data_path": {"/nonexistent/data"}, "labels_path": {"/nonexistent/labels"}, "action": {"preview"}}, 400, "nonexistent"},
		{"a dataset without a benchmark", "/datasets/new", url.Values{"benchmark": {""}, "action": {"register"}}, 400, "benchmark"},
		{"a config given twice", "/containers/new", url.Values{"config_path": {"/x.yaml"}, "config_yaml": {"a: 1"}, "action": {"validate"}}, 400, "not both"},
		{"no config", "/containers/new", url.Values{"name": {"x"}, "action": {"register"}}, 400, "config"},
		{"a config that is not YAML", "/containers/new", url.Values{"config_yaml": {"container_type: [\n"}, "action": {"validate"}}, 400, "YAML"},
		{"a config file that does not exist", "/containers/new", url.Values{"config_path": {"/nonexistent.yaml"}, "action": {"validate"}}, 404, "does not exist"},
		{"a metric bound that is not a number", "/benchmarks/new", url.Values{"name": {"b"}, "metric_0_name": {"dice"}, "metric_0_min": {"low"}, "preparator": {"1"}, "reference": {"2"}, "evaluator": {"3"}}, 400, "must be a number"},
		{"a benchmark without containers", "/benchmarks/new", url.Values{"name": {"b"}}, 400, "preparator"},
		{"a decision on an unknown kind", "/associations/decide", url.Values{"benchmark": {bench}, "component": {"1"}, "kind": {"cube"}, "decision": {"APPROVED"}}, 400, "kind"},
		{"a decision the registry refuses", "/associations/decide", url.Values{"benchmark": {bench}, "component": {"1"}, "kind": {"dataset"}, "decision": {"MAYBE"}}, 400, "approval_status"},
		{"an answer to no question", "/jobs/1/answer", url.Values{"answer": {"send"}}, 404, "no job"},
		{"running on a benchmark id that is not one", "/datasets/1/run", url.Values{"benchmark": {"-3"}}, 400, "benchmark"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := post(t, c, srv.URL()+tc.path, csrf, tc.form)
			if st != tc.status || !strings.Contains(body, tc.says) {
				t.Fatalf("status %d, want %d; page says %q: %.600s", st, tc.status, tc.says, body)
			}
		})
	}
	if _, home, _ := get(t, c, srv.URL()+"/"); !strings.Contains(home, "No job since medperf ui started") {
		t.Error("a bad form started a job")
	}
}
