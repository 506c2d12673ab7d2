package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/medperf/medperf"
)

// RetryPolicy bounds how a Client retries an idempotent request (a GET, or
// a result submission that carries its idempotency key, which the server
// answers with the first submission's result) after a connection error or
// a 502, 503 or 504: at most Attempts tries in all, waiting an exponential
// backoff with full jitter from Base, capped at Max, or the server's
// Retry-After when it asks for longer (also capped at Max). Other requests
// are never retried: the client cannot know whether they took effect.
type RetryPolicy struct {
	Attempts  int
	Base, Max time.Duration
}

// DefaultRetry is the policy of a new Client: 6 tries over about 15 s at
// most, enough to ride over a replica's restart behind a load balancer.
var DefaultRetry = RetryPolicy{Attempts: 6, Base: 250 * time.Millisecond, Max: 5 * time.Second}

// SetRetry replaces the client's retry policy; Attempts <= 1 turns retries
// off. Call it before the client is shared.
func (c *Client) SetRetry(p RetryPolicy) { c.retry = p }

// retryable reports whether a request may be sent again: it changes nothing
// or the server recognises it as the same submission.
func retryable(method string, in any) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return true
	}
	r, ok := in.(medperf.ResultInput)
	return ok && method == http.MethodPost && r.IdempotencyKey != ""
}

// retryStatus reports whether a status is worth another try: the load
// balancer found no replica, or the server is overloaded.
func retryStatus(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// wait sleeps before try number attempt (from 1) or until ctx is done.
func (p RetryPolicy) wait(ctx context.Context, attempt int, retryAfter string) error {
	backoff := p.Base << min(attempt-1, 20)
	if backoff <= 0 || backoff > p.Max {
		backoff = p.Max
	}
	d := time.Duration(rand.Int64N(int64(backoff) + 1))
	if secs, err := strconv.Atoi(retryAfter); err == nil && secs > 0 {
		d = max(d, min(time.Duration(secs)*time.Second, p.Max))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "request canceled", Err: ctx.Err()}
	case <-t.C:
		return nil
	}
}
