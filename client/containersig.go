package client

import (
	"context"
	"encoding/json"

	"github.com/medperf/medperf"
)

// SignContainer calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) SignContainer(ctx context.Context, id int64, envelope json.RawMessage) (*medperf.Container, error) {
	return send[*medperf.Container](ctx, c, "PUT", path("/containers/%d/signature", id), medperf.ContainerSignature{Envelope: envelope})
}
