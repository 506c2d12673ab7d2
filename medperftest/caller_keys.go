package medperftest

import (
	"context"

	"github.com/medperf/medperf"
)

// keys returns the wrapped service's key registry, or CodeInternal.
func (a asCaller) keys() (medperf.KeyService, error) {
	ks, ok := a.s.(medperf.KeyService)
	if !ok {
		return nil, medperf.Errorf(medperf.CodeInternal, "the service does not manage keys")
	}
	return ks, nil
}

func (a asCaller) RegisterKey(ctx context.Context, in medperf.KeyInput) (*medperf.Key, error) {
	ks, err := a.keys()
	if err != nil {
		return nil, err
	}
	return ks.RegisterKey(a.c(ctx), in)
}

func (a asCaller) ListKeys(ctx context.Context, userID int64) ([]medperf.Key, error) {
	ks, err := a.keys()
	if err != nil {
		return nil, err
	}
	return ks.ListKeys(a.c(ctx), userID)
}

func (a asCaller) RevokeKey(ctx context.Context, id int64) (*medperf.Key, error) {
	ks, err := a.keys()
	if err != nil {
		return nil, err
	}
	return ks.RevokeKey(a.c(ctx), id)
}
