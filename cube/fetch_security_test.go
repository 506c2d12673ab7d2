package cube

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/archive"
)

// TestFinding2RegistryLocationsAreNeverLocalFiles: a model registered with
// image /dev/zero or /etc/shadow made the hospital's CLI copy that file.
// Locations from the registry (WithRemoteOnly) must be http(s) URLs.
func TestFinding2RegistryLocationsAreNeverLocalFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(secret, []byte("root:x:"), 0o600)
	remote := WithRemoteOnly(context.Background())
	for name, src := range map[string]string{"a device": "/dev/zero", "a host file": secret, "a relative path": "image.tar", "a file URL": "file:///etc/shadow"} {
		t.Run(name+" is refused", func(t *testing.T) {
			cache := t.TempDir()
			start := time.Now()
			_, _, err := FetchFile(remote, nil, src, "", cache, "image archive")
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("FetchFile: %v, want CodeInvalid", err)
			}
			if _, _, err := FetchAdditionalFiles(remote, nil, src, "", cache, archive.DefaultLimits); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("FetchAdditionalFiles: %v, want CodeInvalid", err)
			}
			if left := filesUnder(t, cache); len(left) != 0 || time.Since(start) > 5*time.Second {
				t.Errorf("left %v in the cache after %s", left, time.Since(start))
			}
		})
	}
	t.Run("a developer's own local file is still copied", func(t *testing.T) {
		if _, _, err := FetchFile(context.Background(), nil, secret, "", t.TempDir(), "image archive"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a device is not a file to copy, even locally", func(t *testing.T) {
		cache := t.TempDir()
		if _, _, err := FetchFile(context.Background(), nil, "/dev/zero", "", cache, "image archive"); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want CodeInvalid", err)
		}
	})
}

// endless never ends: a download that a cancellation must stop.
type endless struct {
	cancel func()
	n      int
}

func (e *endless) Read(b []byte) (int, error) {
	e.n += len(b)
	if e.n > 1<<20 {
		e.cancel() // as SIGTERM does, through the context
	}
	return len(b), nil
}

// TestFinding2PartialDownloadsNeverStay: a killed fetch left its partial
// file; cancellation (SIGTERM cancels the CLI's context) removes it now,
// and stale temporary files of a killed process are swept at the next fetch.
func TestFinding2PartialDownloadsNeverStay(t *testing.T) {
	t.Run("cancellation removes the partial file", func(t *testing.T) {
		cache := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, _, err := store(ctx, &endless{cancel: cancel}, "", cache, "image archive")
		if medperf.ErrorCode(err) != medperf.CodeCanceled {
			t.Fatalf("got %v, want CodeCanceled", err)
		}
		if left := filesUnder(t, cache); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
	t.Run("a server that stops mid-download leaves nothing", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000000")
			w.Write([]byte("partial"))
		}))
		defer srv.Close()
		cache := t.TempDir()
		if _, _, err := FetchFile(context.Background(), srv.Client(), srv.URL, "", cache, "image archive"); medperf.ErrorCode(err) != medperf.CodeUnavailable {
			t.Fatalf("got %v, want CodeUnavailable", err)
		}
		if left := filesUnder(t, cache); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
	t.Run("stale temporary files are swept, fresh ones kept", func(t *testing.T) {
		cache := t.TempDir()
		stale, fresh := filepath.Join(cache, tempPrefix+"killed"), filepath.Join(cache, tempPrefix+"running")
		os.WriteFile(stale, []byte("partial"), 0o600)
		os.WriteFile(fresh, []byte("partial"), 0o600)
		old := time.Now().Add(-2 * staleTemp)
		os.Chtimes(stale, old, old)
		src := filepath.Join(t.TempDir(), "a.tar")
		os.WriteFile(src, []byte("a"), 0o600)
		if _, _, err := FetchFile(context.Background(), nil, src, "", cache, "image archive"); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the stale partial file is still there: %v", err)
		}
		if _, err := os.Stat(fresh); err != nil {
			t.Errorf("a live download's file was removed: %v", err)
		}
	})
}

// TestFinding11PrivateAddressesAreRefused: a model's additional-files URL
// pointing at 127.0.0.1 or 169.254.169.254 was fetched by the hospital's
// CLI (blind request forgery). The default client refuses non-public
// addresses at dial time, redirects included, unless the site allows them.
func TestFinding11PrivateAddressesAreRefused(t *testing.T) {
	data, sum := MustTarball(t, map[string]string{"w": "w"})
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Write(data)
	}))
	defer srv.Close()
	ctx := context.Background()
	t.Run("loopback is refused by default", func(t *testing.T) {
		cache := t.TempDir()
		_, _, err := FetchFile(ctx, nil, srv.URL+"/f.tar.gz", sum, cache, "additional files tarball")
		var refused *AddressRefusedError
		if medperf.ErrorCode(err) != medperf.CodeForbidden || !errors.As(err, &refused) || hits != 0 {
			t.Fatalf("got %v after %d requests, want CodeForbidden and none", err, hits)
		}
		if left := filesUnder(t, cache); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
	t.Run("loopback is fetched when the site allows it", func(t *testing.T) {
		if _, _, err := FetchFile(WithPrivateAddresses(ctx), nil, srv.URL+"/f.tar.gz", sum, t.TempDir(), "additional files tarball"); err != nil || hits != 1 {
			t.Fatalf("got %v after %d requests", err, hits)
		}
	})
	t.Run("a redirect to loopback is refused", func(t *testing.T) {
		// The first hop is allowed here by a client that dials anything,
		// standing for a public server; the redirect goes through the
		// guarded dialer.
		guarded := NewHTTPClient(false)
		first := 0
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first++
			http.Redirect(w, r, srv.URL+"/f.tar.gz", http.StatusFound)
		}))
		defer redirector.Close()
		base := guarded.Transport.(*http.Transport)
		dial := base.DialContext
		public := redirector.Listener.Addr().String()
		base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == public {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}
			return dial(ctx, network, addr)
		}
		before := hits
		_, _, err := FetchFile(ctx, guarded, redirector.URL, sum, t.TempDir(), "additional files tarball")
		if medperf.ErrorCode(err) != medperf.CodeForbidden || first != 1 || hits != before {
			t.Fatalf("got %v (first hop %d, target hits %d), want CodeForbidden at the redirect", err, first, hits-before)
		}
	})
	t.Run("every non-public kind is refused, public ones are not", func(t *testing.T) {
		for ip, kind := range map[string]string{
			"127.0.0.1": "loopback", "::1": "loopback", "169.254.169.254": "link-local", "fe80::1": "link-local",
			"10.1.2.3": "private", "172.16.0.1": "private", "192.168.1.1": "private", "fd00::1": "private",
			"0.0.0.0": "unspecified", "::": "unspecified", "239.1.2.3": "multicast", "ff05::1": "multicast", "224.0.0.1": "link-local",
			"::ffff:127.0.0.1": "loopback", "64:ff9b::a9fe:a9fe": "link-local", "100.64.0.1": "reserved",
			"255.255.255.255": "reserved", "93.184.216.34": "", "2606:4700::1111": "",
		} {
			if got := addressKind(netip.MustParseAddr(ip)); got != kind {
				t.Errorf("%s is %q, want %q", ip, got, kind)
			}
		}
	})
	t.Run("a redirect to another scheme is refused", func(t *testing.T) {
		c := NewHTTPClient(true)
		req, _ := http.NewRequest(http.MethodGet, "file:///etc/shadow", nil)
		if err := c.CheckRedirect(req, []*http.Request{{}}); medperf.ErrorCode(err) != medperf.CodeForbidden {
			t.Fatalf("got %v", err)
		}
		if !strings.Contains(NewHTTPClient(false).CheckRedirect(req, make([]*http.Request, maxRedirects)).Error(), "redirects") {
			t.Error("too many redirects are followed")
		}
	})
}
