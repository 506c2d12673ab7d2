package client

import (
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/medperf/medperf"
)

// The usual ways a server URL is wrong, each recognised here so that the
// user reads what to fix instead of "does not answer" or "internal error":
// https:// against a plain HTTP server (or http:// against an HTTPS one), a
// URL with a path (the dashboard page someone copied), and a URL that ends
// in the API prefix (accepted: New drops it).

// apiPrefix is where the API lives under the server's root.
const apiPrefix = "/api/v1"

// transportError is the error of a request that got no HTTP answer.
func (c *Client) transportError(err error) error {
	var rh tls.RecordHeaderError
	if (errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &rh)) && c.base.Scheme == "https" {
		plain := *c.base
		plain.Scheme = "http"
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "server",
			Message: fmt.Sprintf("the server at %s speaks plain HTTP, not HTTPS: use %s (or start the server with --tls-cert and --tls-key)", c.base.Host, plain.String()),
			Err:     err}
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Message: fmt.Sprintf("the server at %s does not answer", c.base.Host), Err: err}
}

// notAPI is the error of an answer that is not the API's JSON: from a URL
// with a path, that path is the likely cause; from http:// against an HTTPS
// server, the scheme; else fallback when it is not nil (an error status's
// own code: a proxy in front of the server answered), or an error saying the
// URL names something that is not a medperf server.
func (c *Client) notAPI(resp *http.Response, cause, fallback error) error {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode == http.StatusBadRequest && c.base.Scheme == "http" && (ct == "" || ct == "text/plain") {
		// Go's HTTPS servers answer a plain request with a bare 400 page.
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "server",
			Message: fmt.Sprintf("the server at %s refused a plain HTTP request (400, not medperf's API answer): if it uses TLS, use https://%s", c.base.Host, c.base.Host),
			Err:     cause}
	}
	if ct == "" {
		ct = "no content type"
	}
	if p := c.base.Path; p != "" {
		root := *c.base
		root.Path = ""
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "server",
			Message: fmt.Sprintf("the server URL has a path (%s), and what answers there is not medperf's API (%s, status %d): give the server's root, %s", p, ct, resp.StatusCode, root.String()),
			Err:     cause}
	}
	if fallback != nil {
		return fallback
	}
	return &medperf.Error{Code: medperf.CodeUnavailable, Field: "server",
		Message: fmt.Sprintf("what answers at %s is not medperf's API (%s, status %d): check the server URL (the root of a medperf server, e.g. https://medperf.example.org)", c.base.String(), ct, resp.StatusCode),
		Err:     cause}
}

// isJSON reports whether the answer says it is JSON.
func isJSON(resp *http.Response) bool {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return ct == "application/json" || strings.HasSuffix(ct, "+json")
}
