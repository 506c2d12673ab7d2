package client_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

// TestWrongServerURLs guards friction 5 of issue 13: each usual way of
// getting the server URL wrong is recognised and named, with the code of a
// usage error (or unavailable), never internal.
func TestWrongServerURLs(t *testing.T) {
	ts := medperftest.NewServer(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>a page</html>"))
	}))
	t.Cleanup(html.Close)
	tests := []struct {
		name, url string
		code      medperf.Code
		says      string
	}{
		{"https against a plain HTTP server names the scheme", strings.Replace(ts.URL(), "http://", "https://", 1), medperf.CodeInvalid, "use http://"},
		{"a URL with a path names the root", ts.URL() + "/benchmarks/1", medperf.CodeInvalid, "give the server's root, " + ts.URL()},
		{"http against an HTTPS server names the scheme", strings.Replace(tlsSrv.URL, "https://", "http://", 1), medperf.CodeInvalid, "use https://"},
		{"a web page that is not the API is unavailable", html.URL, medperf.CodeUnavailable, "not medperf's API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New(tt.url, ts.Admin.Token, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Me(ctx)
			if medperf.ErrorCode(err) != tt.code || !strings.Contains(medperf.ErrorMessage(err), tt.says) {
				t.Fatalf("err %v (code %q), want %q saying %q", err, medperf.ErrorCode(err), tt.code, tt.says)
			}
		})
	}
	for _, suffix := range []string{"/api/v1", "/api/v1/"} {
		t.Run("a URL ending in "+suffix+" is the server's root", func(t *testing.T) {
			c, err := client.New(ts.URL()+suffix, ts.Admin.Token, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.URL() != ts.URL() {
				t.Fatalf("URL %q, want %q", c.URL(), ts.URL())
			}
			if _, err := c.Me(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
