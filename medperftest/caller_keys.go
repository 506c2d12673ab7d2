package medperftest

import (
	"context"

	"github.com/medperf/medperf"
)

func (a asCaller) RegisterKey(ctx context.Context, in medperf.KeyInput) (*medperf.Key, error) {
	return a.s.RegisterKey(a.c(ctx), in)
}

func (a asCaller) ListKeys(ctx context.Context, userID int64) ([]medperf.Key, error) {
	return a.s.ListKeys(a.c(ctx), userID)
}

func (a asCaller) RevokeKey(ctx context.Context, id int64) (*medperf.Key, error) {
	return a.s.RevokeKey(a.c(ctx), id)
}
