package medperf

import (
	"context"
	"time"
)

// Key is an ed25519 public key an account registered: the key its sites
// sign results with. Fingerprint is what `ssh-keygen -lf` prints for it and
// the keyid of its signatures. A revoked key signs nothing new; it stays
// listed so that older evidence can still be traced to it.
type Key struct {
	ID          int64      `json:"id"`
	UserID      int64      `json:"user_id"`
	Name        string     `json:"name"`
	PublicKey   string     `json:"public_key"`
	Fingerprint string     `json:"fingerprint"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// Revoked reports whether the key was revoked.
func (k Key) Revoked() bool { return k.RevokedAt != nil }

// KeyInput registers a public key: an OpenSSH authorized-key line
// ("ssh-ed25519 AAAA...") or a PKIX PEM block, and a name for people.
type KeyInput struct {
	PublicKey string `json:"public_key"`
	Name      string `json:"name,omitempty"`
}

// Validate checks the fields' presence and sizes; the store parses the key.
func (in KeyInput) Validate() error {
	if in.PublicKey == "" {
		return FieldError("public_key", "is required (an ssh-ed25519 line or a PEM public key)")
	}
	if err := limitText("public_key", in.PublicKey, 4096); err != nil {
		return err
	}
	return limitText("name", in.Name, maxName)
}

// KeyService manages the accounts' public keys. The store implements it.
type KeyService interface {
	// RegisterKey registers a public key for the caller. CodeUnauthorized
	// without a caller, CodeInvalid for a key that is not ed25519,
	// CodeConflict when the key is registered already (by anyone).
	RegisterKey(ctx context.Context, in KeyInput) (*Key, error)
	// ListKeys returns the keys of user userID (0: the caller), oldest
	// first, revoked ones included. Any signed-in caller may list anyone's
	// keys: they are public by nature and needed to verify results.
	ListKeys(ctx context.Context, userID int64) ([]Key, error)
	// RevokeKey revokes one of the caller's keys (an admin may revoke
	// anyone's). CodeNotFound for a key the caller does not own,
	// CodeConflict when it is revoked already.
	RevokeKey(ctx context.Context, id int64) (*Key, error)
}
