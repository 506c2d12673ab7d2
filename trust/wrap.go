package trust

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"

	"github.com/medperf/medperf"
)

// Key wrapping for private models. A model owner's secret (the passphrase
// of MedPerf's GPG-symmetric image archive) is wrapped with age for each
// approved data owner's registered identity key: age's ssh-ed25519
// recipient type converts the ed25519 key to X25519, so no second key is
// registered, and the data owner can unwrap with the standard age tool and
// the private key file medperf wrote (`age -d -i id_ed25519`).

// MaxSecretSize bounds a wrapped secret. MedPerf's secrets are 32 bytes.
const MaxSecretSize = 4 << 10

// maxWrapped bounds a wrapped secret's armored text: the header grows by
// about 200 bytes per recipient.
const maxWrapped = 64 << 10

// WrapSecret encrypts secret for recipients with age and returns the ASCII
// armored result ("-----BEGIN AGE ENCRYPTED FILE-----"), which travels as a
// JSON string. Any one recipient's identity unwraps it. The registry stores
// only this text, never the secret. Errors: CodeInvalid for an empty or
// oversized secret or no recipients.
func WrapSecret(secret []byte, recipients ...PublicKey) ([]byte, error) {
	if len(secret) == 0 || len(secret) > MaxSecretSize {
		return nil, medperf.FieldError("secret", "must be 1 to %d bytes", MaxSecretSize)
	}
	if len(recipients) == 0 {
		return nil, medperf.FieldError("recipients", "are missing: name at least one data owner's key")
	}
	ageRecipients := make([]age.Recipient, 0, len(recipients))
	for _, k := range recipients {
		r, err := ageRecipient(k)
		if err != nil {
			return nil, err
		}
		ageRecipients = append(ageRecipients, r)
	}
	var out bytes.Buffer
	aw := armor.NewWriter(&out)
	w, err := age.Encrypt(aw, ageRecipients...)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if _, err := w.Write(secret); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := w.Close(); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := aw.Close(); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return out.Bytes(), nil
}

// AgeRecipient returns k in the form the age tool accepts with -r: the
// authorized-key line, since age reads ssh-ed25519 recipients directly.
func (k PublicKey) AgeRecipient() string { return k.AuthorizedKey() }

func ageRecipient(k PublicKey) (age.Recipient, error) {
	if k.IsZero() {
		return nil, medperf.FieldError("recipients", "include an empty key")
	}
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "recipients", Message: "include a key that is not ed25519", Err: err}
	}
	r, err := agessh.NewEd25519Recipient(pk)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "recipients", Message: "include an ed25519 key with no X25519 equivalent", Err: err}
	}
	return r, nil
}

// UnwrapSecret decrypts a secret wrapped by WrapSecret (or by `age -a -R
// key.pub`) with id. It gives CodeForbidden when the secret was not wrapped
// for id (ask the model owner for a grant), CodeInvalid when wrapped is not
// an age file or was altered, CodeTooLarge when it holds more than
// MaxSecretSize bytes.
func UnwrapSecret(wrapped []byte, id *Identity) ([]byte, error) {
	if id == nil {
		return nil, medperf.FieldError("identity", "is missing: load your key first")
	}
	if len(wrapped) > maxWrapped {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the wrapped key is %d bytes; the limit is %d", len(wrapped), maxWrapped)
	}
	ident, err := agessh.NewEd25519Identity(id.priv)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	var src io.Reader = bytes.NewReader(wrapped)
	if strings.HasPrefix(strings.TrimSpace(string(wrapped)), "-----BEGIN AGE ENCRYPTED FILE-----") {
		src = armor.NewReader(bytes.NewReader(wrapped))
	}
	r, err := age.Decrypt(src, ident)
	var noMatch *age.NoIdentityMatchError
	switch {
	case errors.As(err, &noMatch):
		return nil, &medperf.Error{Code: medperf.CodeForbidden, Message: "this model key was not wrapped for your key (" + id.Public().Fingerprint() + "): ask the model owner to grant your dataset access", Err: err}
	case err != nil:
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "wrapped_key", Message: "is not a valid age-wrapped key", Err: err}
	}
	secret, err := io.ReadAll(io.LimitReader(r, MaxSecretSize+1))
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "wrapped_key", Message: "was altered: its contents do not authenticate", Err: err}
	}
	if len(secret) > MaxSecretSize {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the wrapped key holds more than %d bytes", MaxSecretSize)
	}
	return secret, nil
}
