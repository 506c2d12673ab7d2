package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// TestRefusedPrivateURLHasNoOwnerHint guards what a tutorial user met: a
// download refused because it names a loopback host is CodeForbidden, and the
// CLI followed its message (which names --allow-private-urls) with "run the
// command as the owner of the entity", which sent them the wrong way.
func TestRefusedPrivateURLHasNoOwnerHint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }))
	defer srv.Close()
	_, _, err := cube.FetchFile(context.Background(), nil, srv.URL+"/demo.tar.gz", "", t.TempDir(), "demo dataset tarball")
	if medperf.ErrorCode(err) != medperf.CodeForbidden {
		t.Fatalf("loopback download: code %v (err %v), want CodeForbidden", medperf.ErrorCode(err), err)
	}
	if h := hint(err); h != "" {
		t.Errorf("hint after a refused private address = %q, want none", h)
	}
	// Other refusals by the server keep their hint.
	if h := hint(&medperf.Error{Code: medperf.CodeForbidden, Message: "not yours"}); h == "" {
		t.Error("a server's CodeForbidden lost its hint")
	}
}
