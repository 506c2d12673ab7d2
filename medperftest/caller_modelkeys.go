package medperftest

import (
	"context"

	"github.com/medperf/medperf"
)

func (a asCaller) GrantModelKey(ctx context.Context, b, m int64, in medperf.ModelKeyInput) (*medperf.ModelKey, error) {
	return a.s.GrantModelKey(a.c(ctx), b, m, in)
}

func (a asCaller) GetModelKey(ctx context.Context, b, m, user int64) (*medperf.ModelKey, error) {
	return a.s.GetModelKey(a.c(ctx), b, m, user)
}

func (a asCaller) RevokeModelKey(ctx context.Context, b, m, user int64) (*medperf.ModelKey, error) {
	return a.s.RevokeModelKey(a.c(ctx), b, m, user)
}

func (a asCaller) DeleteModelKeys(ctx context.Context, b, m int64) (*medperf.DeletedKeys, error) {
	return a.s.DeleteModelKeys(a.c(ctx), b, m)
}

func (a asCaller) ModelAccess(ctx context.Context, b, m int64) (*medperf.ModelAccess, error) {
	return a.s.ModelAccess(a.c(ctx), b, m)
}

func (a asCaller) SetModelAccess(ctx context.Context, b, m int64, p medperf.ModelAccessPatch) (*medperf.ModelAccess, error) {
	return a.s.SetModelAccess(a.c(ctx), b, m, p)
}
