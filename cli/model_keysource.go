package cli

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/trust"
)

// siteModelKeys returns the ModelKeys hook of site.Site: given a private
// model and the benchmark it runs in, it returns the model's
// secret. The owner's stored copy ($MEDPERF_HOME/keys/containers/<server>/<id>.key,
// written by `container submit --decryption-key`) is used when present, so
// that owners run their own models without a grant; otherwise this user's
// wrapped key for (model, benchmark) is fetched from cl and unwrapped with
// the site's identity ($MEDPERF_HOME/keys/id_ed25519). The site calls it
// before downloading the model, so a site without a grant is refused
// before anything is fetched.
//
// Errors: CodeForbidden when this user holds no grant ("ask its owner to
// run medperf model grant-access"), when the grant lapsed, when the site
// has no identity key, or when the grant was wrapped for other keys than
// the site's; the client's codes (CodeUnauthorized, CodeUnavailable...)
// otherwise. Outside a benchmark (benchmarkID 0) there is no grant to read:
// CodeInvalid on decryption_key, saying to pass --decryption-key.
func siteModelKeys(cl *client.Client) func(ctx context.Context, benchmarkID int64, c medperf.Container) ([]byte, error) {
	return func(ctx context.Context, benchmarkID int64, c medperf.Container) ([]byte, error) {
		if secret, ok, err := storedModelSecret(cl.URL(), c.ID); ok || err != nil {
			return secret, err
		}
		if benchmarkID == 0 {
			return nil, medperf.FieldError("decryption_key", "model %d is private and access grants are per benchmark: run it in a benchmark (-b), or pass --decryption-key FILE", c.ID)
		}
		ident, path, err := loadSiteKey()
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			return nil, medperf.Errorf(medperf.CodeForbidden,
				"model %d is private and this site has no identity key (%s) to open its access grant: run 'medperf keys create', then ask the model's owner to run 'medperf model grant-access'", c.ID, path)
		}
		if err != nil {
			return nil, err
		}
		me, err := cl.Me(ctx)
		if err != nil {
			return nil, err
		}
		k, err := cl.GetModelKey(ctx, benchmarkID, c.ID, me.ID)
		if err != nil {
			return nil, err
		}
		secret, err := trust.UnwrapSecret([]byte(k.WrappedKey), ident)
		if medperf.ErrorCode(err) == medperf.CodeForbidden {
			return nil, &medperf.Error{Code: medperf.CodeForbidden, Err: err,
				Message: "the access grant for model " + id(c.ID) + " was wrapped for other keys than this site's (" + ident.Public().Fingerprint() +
					"): ask its owner to run 'medperf model grant-access' again"}
		}
		return secret, err
	}
}

// storedModelSecret reads the owner's stored copy of the secret of a model
// registered on server; ok is false when there is none.
func storedModelSecret(server string, modelID int64) (secret []byte, ok bool, err error) {
	path, err := storedSecretPath(server, modelID)
	if err != nil {
		return nil, false, err
	}
	if !fileExists(path) {
		return nil, false, nil
	}
	secret, err = loadModelSecret(path, server, modelID)
	return secret, err == nil, err
}
