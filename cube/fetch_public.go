package cube

import (
	"context"
	"net/netip"
	"net/url"
)

// CheckPublicURL returns an *AddressRefusedError when the host of the
// http(s) URL u is, or resolves to, an address that is not public
// (loopback, private, link-local, ...: the addresses the default download
// client refuses); nil when every address is public. A URL that does not
// parse or a name that does not resolve returns that error: the caller
// decides, and a download would fail on it anyway. It lets a site decide
// about a URL before anything is downloaded (the site policy's
// private_urls rule) instead of when the connection is made.
func CheckPublicURL(ctx context.Context, u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	host := p.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if addressKind(ip) != "" {
			return &AddressRefusedError{Host: host, IP: ip.Unmap()}
		}
		return nil
	}
	return checkHostName(ctx, host)
}
