package client

import (
	"context"
	"fmt"

	"github.com/medperf/medperf"
)

var _ medperf.ModelKeyService = (*Client)(nil)

func modelPath(benchmarkID, modelID int64, rest string) string {
	return fmt.Sprintf("/benchmarks/%d/models/%d/%s", benchmarkID, modelID, rest)
}

// GrantModelKey calls the API; its contract is that of
// medperf.ModelKeyService. in.WrappedKey must already be wrapped
// (trust.WrapSecret): the secret itself is never sent.
func (c *Client) GrantModelKey(ctx context.Context, benchmarkID, modelID int64, in medperf.ModelKeyInput) (*medperf.ModelKey, error) {
	return send[*medperf.ModelKey](ctx, c, "POST", modelPath(benchmarkID, modelID, "keys"), in)
}

// GetModelKey calls the API; its contract is that of
// medperf.ModelKeyService.
func (c *Client) GetModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*medperf.ModelKey, error) {
	return get[*medperf.ModelKey](ctx, c, modelPath(benchmarkID, modelID, fmt.Sprintf("keys/%d", userID)), nil)
}

// RevokeModelKey calls the API; its contract is that of
// medperf.ModelKeyService.
func (c *Client) RevokeModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*medperf.ModelKey, error) {
	return send[*medperf.ModelKey](ctx, c, "DELETE", modelPath(benchmarkID, modelID, fmt.Sprintf("keys/%d", userID)), nil)
}

// DeleteModelKeys calls the API; its contract is that of
// medperf.ModelKeyService.
func (c *Client) DeleteModelKeys(ctx context.Context, benchmarkID, modelID int64) (*medperf.DeletedKeys, error) {
	return send[*medperf.DeletedKeys](ctx, c, "DELETE", modelPath(benchmarkID, modelID, "keys"), nil)
}

// ModelAccess calls the API; its contract is that of
// medperf.ModelKeyService.
func (c *Client) ModelAccess(ctx context.Context, benchmarkID, modelID int64) (*medperf.ModelAccess, error) {
	return get[*medperf.ModelAccess](ctx, c, modelPath(benchmarkID, modelID, "access"), nil)
}

// SetModelAccess calls the API; its contract is that of
// medperf.ModelKeyService.
func (c *Client) SetModelAccess(ctx context.Context, benchmarkID, modelID int64, p medperf.ModelAccessPatch) (*medperf.ModelAccess, error) {
	return send[*medperf.ModelAccess](ctx, c, "PATCH", modelPath(benchmarkID, modelID, "access"), p)
}
