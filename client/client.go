// Package client is the Go client of the registry's REST API. The medperf
// command line reaches the server only through it. A Client implements
// medperf.Service, acting as the user of its token (the caller in a
// context is ignored), and turns every error response back into a
// *medperf.Error with the server's code, message and field, so that callers
// branch on codes exactly as they would against the store.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/wire"
)

// Client calls one registry server with one token. Its methods are safe for
// concurrent use.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	retry RetryPolicy
}

var _ medperf.Service = (*Client)(nil)

// New returns a client of the server at serverURL (http or https; a
// trailing /api/v1 is dropped, as every request adds it), sending
// token (may be empty for the public routes). httpClient nil means a client
// with a 60-second timeout.
func New(serverURL, token string, httpClient *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(serverURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, medperf.FieldError("server", "must be an http:// or https:// URL, not %q", serverURL)
	}
	// A URL copied from an API call names the prefix every request adds.
	u.Path = strings.TrimRight(strings.TrimSuffix(u.Path, apiPrefix), "/")
	u.RawPath = ""
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: u, token: token, http: httpClient, retry: DefaultRetry}, nil
}

// URL returns the server's base URL.
func (c *Client) URL() string { return c.base.String() }

// do sends a request to the API path (under /api/v1) and decodes the JSON
// answer into out (when not nil; a *[]byte receives the body as is, for
// CSV). It returns the HTTP status.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) (int, error) {
	u := *c.base
	u.Path += apiPrefix + path
	u.RawQuery = q.Encode()
	var payload []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, &medperf.Error{Code: medperf.CodeInvalid, Message: "cannot encode the request", Err: err}
		}
		payload = b
	}
	again := retryable(method, in)
	for attempt := 1; ; attempt++ {
		resp, err := c.send(ctx, method, u.String(), payload)
		last := !again || attempt >= c.retry.Attempts
		switch {
		case err != nil && (last || ctx.Err() != nil):
			return 0, err
		case err != nil:
			if werr := c.retry.wait(ctx, attempt, ""); werr != nil {
				return 0, werr
			}
		case retryStatus(resp.StatusCode) && !last:
			retryAfter := resp.Header.Get("Retry-After")
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if werr := c.retry.wait(ctx, attempt, retryAfter); werr != nil {
				return 0, werr
			}
		default:
			return c.read(resp, out)
		}
	}
}

// send makes one try of a request.
func (c *Client) send(ctx context.Context, method, url string, payload []byte) (*http.Response, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: "cannot build the request", Err: err}
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &medperf.Error{Code: medperf.CodeCanceled, Message: "request canceled", Err: err}
		}
		return nil, c.transportError(err)
	}
	return resp, nil
}

// read decodes one answer (see do).
func (c *Client) read(resp *http.Response, out any) (int, error) {
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, &medperf.Error{Code: medperf.CodeUnavailable, Message: "the server's answer was cut short", Err: err}
	}
	if resp.StatusCode >= 400 {
		err := responseError(resp.StatusCode, raw)
		if !isAPIError(raw) {
			err = c.notAPI(resp, err, err)
		}
		return resp.StatusCode, err
	}
	if b, ok := out.(*[]byte); ok {
		*b = raw
		return resp.StatusCode, nil
	}
	if out != nil {
		if !isJSON(resp) {
			return resp.StatusCode, c.notAPI(resp, errors.New("not JSON"), nil)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, &medperf.Error{Code: medperf.CodeInternal, Message: "the server's answer is not the expected JSON", Err: err}
		}
	}
	return resp.StatusCode, nil
}

// responseError rebuilds the server's error (the body package wire
// describes), or one from the status when the body is not the API's error
// JSON (e.g. a proxy's page).
func responseError(status int, raw []byte) error {
	var eb wire.ErrorBody
	if json.Unmarshal(raw, &eb) == nil && wire.Known(eb.Error.Code) {
		msg := eb.Error.Message
		if eb.Error.Field != "" {
			msg = strings.TrimPrefix(msg, eb.Error.Field+": ")
		}
		return &medperf.Error{Code: eb.Error.Code, Message: msg, Field: eb.Error.Field}
	}
	return &medperf.Error{Code: wire.CodeOf(status), Message: fmt.Sprintf("the server answered %d %s", status, http.StatusText(status)),
		Err: errors.New(string(raw))}
}

// isAPIError reports whether raw is the API's error body.
func isAPIError(raw []byte) bool {
	var eb wire.ErrorBody
	return json.Unmarshal(raw, &eb) == nil && wire.Known(eb.Error.Code)
}

func get[T any](ctx context.Context, c *Client, path string, q url.Values) (T, error) {
	var out T
	_, err := c.do(ctx, http.MethodGet, path, q, nil, &out)
	return out, err
}

func send[T any](ctx context.Context, c *Client, method, path string, in any) (T, error) {
	var out T
	_, err := c.do(ctx, method, path, nil, in, &out)
	return out, err
}
