package api

import (
	"strconv"
	"time"

	"github.com/medperf/medperf"
)

// retryAfter is the cause of a CodeRateLimited error: how long the client
// waits. writeError sends it as Retry-After.
type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

// seconds rounds the wait up to whole seconds, at least one.
func (r retryAfter) seconds() int {
	s := int((time.Duration(r) + time.Second - 1) / time.Second)
	return max(s, 1)
}

// rateLimited is the error of a client that must wait.
func rateLimited(wait time.Duration) error {
	ra := retryAfter(wait)
	return &medperf.Error{Code: medperf.CodeRateLimited, Err: ra,
		Message: "too many failed authentications from your address: wait " + strconv.Itoa(ra.seconds()) +
			" s before trying again, and check your token ('medperf auth login')"}
}
