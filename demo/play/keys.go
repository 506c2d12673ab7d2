package play

import (
	"context"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/trust"
)

// siteKey gives a data owner a signing key, as 'medperf keys create' does:
// the key pair in the user's MEDPERF_HOME (private half 0600), the public
// key registered with the registry. Every demo result is then signed.
func siteKey(ctx context.Context, u *user) (*trust.Identity, error) {
	path := filepath.Join(u.home, config.KeyFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	id, err := trust.NewIdentity()
	if err != nil {
		return nil, err
	}
	if err := trust.SaveIdentity(path, id, "medperf demo "+u.slug); err != nil {
		return nil, err
	}
	_, err = u.cl.RegisterKey(ctx, medperf.KeyInput{PublicKey: id.Public().AuthorizedKey(), Name: u.slug})
	return id, err
}
