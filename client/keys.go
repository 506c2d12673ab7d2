package client

import (
	"context"
	"net/url"
	"strconv"

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

// LogCheckpoint returns the server's latest signed checkpoint note. Check
// it with trust.OpenCheckpoint against the pinned verifier key.
func (c *Client) LogCheckpoint(ctx context.Context) ([]byte, error) {
	cp, err := get[*trust.SignedCheckpoint](ctx, c, "/log/checkpoint", nil)
	if err != nil {
		return nil, err
	}
	return []byte(cp.Checkpoint), nil
}

// LogInclusion returns the proof that leaf index is in the tree of size.
func (c *Client) LogInclusion(ctx context.Context, index, size int64) (trust.InclusionProof, error) {
	q := url.Values{}
	q.Set("index", strconv.FormatInt(index, 10))
	q.Set("size", strconv.FormatInt(size, 10))
	p, err := get[*trust.Proof](ctx, c, "/log/proof/inclusion", q)
	if err != nil {
		return nil, err
	}
	return p.Hashes, nil
}

// LogConsistency returns the proof that the tree of size from is a prefix
// of the tree of size to.
func (c *Client) LogConsistency(ctx context.Context, from, to int64) (trust.ConsistencyProof, error) {
	q := url.Values{}
	q.Set("from", strconv.FormatInt(from, 10))
	q.Set("to", strconv.FormatInt(to, 10))
	p, err := get[*trust.Proof](ctx, c, "/log/proof/consistency", q)
	if err != nil {
		return nil, err
	}
	return p.Hashes, nil
}

// LogLeaves returns leaves start..start+count-1 as the server rebuilds them.
func (c *Client) LogLeaves(ctx context.Context, start, count int64) ([]trust.LeafEntry, error) {
	q := url.Values{}
	q.Set("start", strconv.FormatInt(start, 10))
	q.Set("count", strconv.FormatInt(count, 10))
	return get[[]trust.LeafEntry](ctx, c, "/log/leaves", q)
}
