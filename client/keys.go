package client

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

var _ medperf.KeyService = (*Client)(nil)

// RegisterKey calls the API; its contract is that of medperf.KeyService.
func (c *Client) RegisterKey(ctx context.Context, in medperf.KeyInput) (*medperf.Key, error) {
	return send[*medperf.Key](ctx, c, "POST", "/me/keys", in)
}

// ListKeys calls the API; its contract is that of medperf.KeyService
// (userID 0: the caller's keys).
func (c *Client) ListKeys(ctx context.Context, userID int64) ([]medperf.Key, error) {
	if userID == 0 {
		return get[[]medperf.Key](ctx, c, "/me/keys", nil)
	}
	return get[[]medperf.Key](ctx, c, path("/users/%d/keys", userID), nil)
}

// RevokeKey calls the API; its contract is that of medperf.KeyService.
func (c *Client) RevokeKey(ctx context.Context, id int64) (*medperf.Key, error) {
	return send[*medperf.Key](ctx, c, "DELETE", path("/me/keys/%d", id), nil)
}

// LogKey returns the public side of the key that signs the server's
// transparency log. It needs no token.
func (c *Client) LogKey(ctx context.Context) (*trust.LogKeyInfo, error) {
	return get[*trust.LogKeyInfo](ctx, c, "/log/key", nil)
}
