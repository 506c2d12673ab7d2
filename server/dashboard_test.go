package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/medperf/medperf/medperftest"
)

func TestServerServesTheDashboardBesideTheAPI(t *testing.T) {
	ts := medperftest.NewServer(t)
	t.Run("the sign-in page is at /signin with the dashboard's CSP", func(t *testing.T) {
		resp, err := http.Get(ts.URL() + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Fatalf("status %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
		}
	})
	t.Run("the API and the operations endpoints still answer", func(t *testing.T) {
		for _, path := range []string{"/api/v1/version", "/healthz"} {
			if code, _ := get(t, ts.URL()+path); code != 200 {
				t.Errorf("%s: status %d", path, code)
			}
		}
		if code, body := get(t, ts.URL()+"/api/v1/nowhere"); code != 404 || !strings.Contains(body, `"not_found"`) {
			t.Errorf("an unknown API route: status %d %s", code, body)
		}
	})
}
