package web

import (
	"context"
	"net/http"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// LogKeyService gives the public key that signs the registry's
// transparency-log checkpoints; the store implements it.
type LogKeyService interface {
	// LogKey returns the key's origin, verifier key, authorized-key line
	// and fingerprint; CodeUnavailable when the registry has none.
	LogKey(ctx context.Context) (*trust.LogKeyInfo, error)
}

// card is an account as a page that says who did what shows it: its name,
// its email when the viewer may see it, and its registered keys with their
// fingerprints, so that anyone can match a result's keyid or a site's key
// file (ssh-keygen -lf) with the account.
type card struct {
	medperf.UserCard
	Keys []medperf.Key
	// KeysUnknown is set when the keys could not be read (the page still
	// shows the account).
	KeysUnknown bool
}

// Card returns the card of account id with its keys, oldest first,
// revoked ones included.
func (n *names) Card(id int64) card {
	c := card{UserCard: n.User(id)}
	keys, err := n.svc.ListKeys(n.ctx, id)
	if err != nil {
		c.KeysUnknown = true
		return c
	}
	c.Keys = keys
	return c
}

// keysOf returns the keys of each user, for the admin's list of accounts;
// a user whose keys cannot be read is absent (the page says so).
func (h *Handler) keysOf(ctx context.Context, users []medperf.User) map[int64][]medperf.Key {
	out := make(map[int64][]medperf.Key, len(users))
	for _, u := range users {
		if keys, err := h.cfg.Service.ListKeys(ctx, u.ID); err == nil {
			out[u.ID] = keys
		}
	}
	return out
}

type trustData struct {
	Log      *trust.LogKeyInfo
	LogError string
	Mine     []medperf.Key
}

// trustPage shows the registry's log key, to compare with the fingerprint
// `medperf auth login` printed, and the caller's own keys.
func (h *Handler) trustPage(r *http.Request, _ *medperf.Session) (*result, error) {
	var d trustData
	info, err := h.cfg.Log.LogKey(r.Context())
	switch {
	case err == nil:
		d.Log = info
	case medperf.ErrorCode(err) == medperf.CodeUnavailable:
		d.LogError = "This registry has no log key: its transparency log is not signed."
	default:
		return nil, err
	}
	if d.Mine, err = h.cfg.Service.ListKeys(r.Context(), 0); err != nil {
		return nil, err
	}
	return &result{template: "trust", title: "Trust", data: d}, nil
}
