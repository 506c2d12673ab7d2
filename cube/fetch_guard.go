package cube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/medperf/medperf"
)

// fetchPolicy is what FetchFile may fetch under a context; the zero value
// is the default: local paths and public http(s) addresses.
type fetchPolicy struct {
	// remoteOnly refuses local paths: the location came from the registry.
	remoteOnly bool
	// allowPrivate lets the default client reach loopback, private and
	// link-local addresses.
	allowPrivate bool
}

type fetchPolicyKey struct{}

func policyOf(ctx context.Context) fetchPolicy {
	p, _ := ctx.Value(fetchPolicyKey{}).(fetchPolicy)
	return p
}

// WithRemoteOnly returns a context under which FetchFile and
// FetchAdditionalFiles refuse any location that is not an http(s) URL
// (CodeInvalid): for every location a site gets from the registry, which a
// model owner wrote and which must never name a file of the site's machine.
// Runtimes fetch image archives under the context of their Run, so a site
// passes this context to Run for registered containers.
func WithRemoteOnly(ctx context.Context) context.Context {
	p := policyOf(ctx)
	p.remoteOnly = true
	return context.WithValue(ctx, fetchPolicyKey{}, p)
}

// WithPrivateAddresses returns a context under which the default download
// client (FetchFile with a nil client) may reach loopback, private,
// link-local and other non-public addresses: only when the site allows it
// explicitly (its files are hosted on its own network).
func WithPrivateAddresses(ctx context.Context) context.Context {
	p := policyOf(ctx)
	p.allowPrivate = true
	return context.WithValue(ctx, fetchPolicyKey{}, p)
}

// AddressRefusedError means a download was refused because its host (or a
// redirect's) resolves to an address that is not public.
type AddressRefusedError struct {
	Host string
	IP   netip.Addr
}

func (e *AddressRefusedError) Error() string {
	return fmt.Sprintf("%s resolves to %s, a %s address", e.Host, e.IP, addressKind(e.IP))
}

// nonPublic lists address blocks that are not covered by netip's
// predicates but are not the public internet either.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, and broadcast
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// addressKind says why ip is not public, or "" when it is.
func addressKind(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) { // judge the IPv4 address it carries
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsPrivate():
		return "private"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast():
		return "multicast"
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return "reserved"
		}
	}
	return ""
}

// checkDial is a net.Dialer Control function: it runs after name resolution,
// on the very address connected to, so DNS rebinding cannot slip past it.
func checkDial(host string) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &AddressRefusedError{Host: host}
		}
		if addressKind(ap.Addr()) != "" {
			return &AddressRefusedError{Host: host, IP: ap.Addr().Unmap()}
		}
		return nil
	}
}

// maxRedirects bounds the redirects a download follows.
const maxRedirects = 10

// NewHTTPClient returns the client FetchFile uses when given none: it dials
// only public addresses unless allowPrivate, checked on every connection
// (redirects included), and follows at most 10 redirects, to http(s) only.
// With a proxy from the environment (HTTPS_PROXY...), the proxy itself may
// be on the local network, and the target host is checked by resolving its
// name before the request, since the proxy connects to it.
func NewHTTPClient(allowPrivate bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if !allowPrivate {
		proxies := proxyHosts()
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
			if !proxies[addr] {
				host, _, _ := net.SplitHostPort(addr)
				d.Control = checkDial(host)
			}
			return d.DialContext(ctx, network, addr)
		}
		t.Proxy = func(req *http.Request) (*url.URL, error) {
			p, err := http.ProxyFromEnvironment(req)
			if p != nil && err == nil {
				err = checkHostName(req.Context(), req.URL.Hostname())
			}
			return p, err
		}
	}
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return medperf.Errorf(medperf.CodeUnavailable, "more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return medperf.Errorf(medperf.CodeForbidden, "a redirect to a %s URL is refused: only http and https", req.URL.Scheme)
		}
		return nil
	}}
}

// proxyHosts returns the host:port of the proxies the environment names.
func proxyHosts() map[string]bool {
	out := map[string]bool{}
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if !strings.Contains(v, "://") {
			v = "http://" + v
		}
		if u, err := url.Parse(v); err == nil && u.Host != "" {
			port := u.Port()
			if port == "" {
				port = map[string]string{"https": "443", "socks5": "1080"}[u.Scheme]
				if port == "" {
					port = "80"
				}
			}
			out[net.JoinHostPort(u.Hostname(), port)] = true
		}
	}
	return out
}

// checkHostName refuses a host name any of whose addresses is not public.
func checkHostName(ctx context.Context, host string) error {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if addressKind(a) != "" {
			return &AddressRefusedError{Host: host, IP: a.Unmap()}
		}
	}
	return nil
}

var (
	publicClient  = NewHTTPClient(false)
	privateClient = NewHTTPClient(true)
)

// clientFor returns hc, or the default client of ctx's policy.
func clientFor(ctx context.Context, hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	if policyOf(ctx).allowPrivate {
		return privateClient
	}
	return publicClient
}

// downloadError turns a failed request into the error FetchFile returns:
// CodeForbidden for a refused address, CodeUnavailable otherwise.
func downloadError(what, host string, err error) error {
	var refused *AddressRefusedError
	if errors.As(err, &refused) {
		return &medperf.Error{Code: medperf.CodeForbidden, Err: err, Message: fmt.Sprintf(
			"refusing to download the %s from %s: %v; a site reaches loopback, private and link-local addresses only when it allows them (--allow-private-urls, or allow_private_urls: true in the profile) and its site policy does not forbid them (private_urls: false in policy.yaml wins over the flag)",
			what, host, refused)}
	}
	var me *medperf.Error
	if errors.As(err, &me) && me.Code == medperf.CodeForbidden {
		return &medperf.Error{Code: medperf.CodeForbidden, Message: fmt.Sprintf("cannot download the %s from %s: %s", what, host, me.Message), Err: err}
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("cannot download the %s from %s", what, host), Err: err}
}
