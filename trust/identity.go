package trust

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/medperf/medperf"
)

// maxKeyFile bounds how much of a key file is read; real ed25519 key files
// are a few hundred bytes.
const maxKeyFile = 64 << 10

// Identity is an ed25519 key pair: a site's, a user's or the server's log
// key. The private half never leaves the machine that created it.
type Identity struct {
	priv ed25519.PrivateKey
}

// PublicKey is the public half of an Identity, as registered with the server.
type PublicKey struct {
	key ed25519.PublicKey
}

// NewIdentity creates a fresh key pair from crypto/rand.
func NewIdentity() (*Identity, error) {
	return newIdentityFrom(rand.Reader)
}

func newIdentityFrom(r io.Reader) (*Identity, error) {
	_, priv, err := ed25519.GenerateKey(r)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return &Identity{priv: priv}, nil
}

// IdentityFromSeed returns the key pair of a 32-byte ed25519 seed (RFC 8032
// private key). It exists for keys supplied from elsewhere, such as the
// server's --log-key, and for known-answer tests.
func IdentityFromSeed(seed []byte) (*Identity, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, medperf.Errorf(medperf.CodeInvalid, "an ed25519 seed is %d bytes, not %d", ed25519.SeedSize, len(seed))
	}
	return &Identity{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// Public returns the public half of id.
func (id *Identity) Public() PublicKey {
	return PublicKey{key: id.priv.Public().(ed25519.PublicKey)}
}

// sign signs msg with id; ed25519 signatures are deterministic.
func (id *Identity) sign(msg []byte) []byte {
	return ed25519.Sign(id.priv, msg)
}

// MarshalPrivate returns id as an unencrypted OpenSSH private key file
// ("-----BEGIN OPENSSH PRIVATE KEY-----"), the format ssh-keygen writes, so
// that `ssh-keygen -y -f FILE` prints the public key and `age -d -i FILE`
// unwraps secrets wrapped for it. comment is stored in the file (for
// example "medperf alice@hospital").
func (id *Identity) MarshalPrivate(comment string) ([]byte, error) {
	block, err := ssh.MarshalPrivateKey(id.priv, comment)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return pem.EncodeToMemory(block), nil
}

// ParsePrivate reads an unencrypted OpenSSH ed25519 private key file as
// written by MarshalPrivate or `ssh-keygen -t ed25519 -N ""`. It fails with
// CodeInvalid for other key types, passphrase-protected keys and garbage.
func ParsePrivate(data []byte) (*Identity, error) {
	key, err := ssh.ParseRawPrivateKey(data)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, medperf.Errorf(medperf.CodeInvalid, "the private key is protected by a passphrase, which medperf does not support yet; use a key made by 'medperf keys create'")
	case err != nil:
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: "not an OpenSSH private key file", Err: err}
	}
	switch k := key.(type) {
	case *ed25519.PrivateKey:
		return &Identity{priv: *k}, nil
	case ed25519.PrivateKey:
		return &Identity{priv: k}, nil
	}
	return nil, medperf.Errorf(medperf.CodeInvalid, "the private key is of type %T; medperf keys are ed25519", key)
}

// SaveIdentity writes id to path as an OpenSSH private key with mode 0600,
// and its public key line to path+".pub" with mode 0644. It never
// overwrites: an existing file at either path gives CodeConflict and leaves
// everything as it was. The parent directory must exist. Callers: `medperf
// keys create` and the server's first start (its log key).
func SaveIdentity(path string, id *Identity, comment string) error {
	priv, err := id.MarshalPrivate(comment)
	if err != nil {
		return err
	}
	pubPath := path + ".pub"
	if _, err := os.Lstat(pubPath); err == nil {
		return medperf.Errorf(medperf.CodeConflict, "%s already exists; medperf never overwrites a key file: move it away or choose another name", pubPath)
	}
	if err := writeNew(path, priv, 0o600); err != nil {
		return err
	}
	pub := id.Public().AuthorizedKey()
	if comment != "" {
		pub += " " + comment
	}
	if err := writeNew(pubPath, []byte(pub+"\n"), 0o644); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// writeNew creates path exclusively with perm and writes data to it.
func writeNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return medperf.Errorf(medperf.CodeConflict, "%s already exists; medperf never overwrites a key file: move it away or choose another name", path)
	}
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Message: fmt.Sprintf("cannot create %s: %v", path, errors.Unwrap(err)), Err: err}
	}
	// O_CREATE applies the umask; make the mode exactly perm.
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(path)
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return nil
}

// LoadIdentity reads the private key file at path. Like ssh, it refuses
// (CodeForbidden) a file that group or others may read or write, saying
// how to fix the mode; a missing file gives CodeNotFound; a file that is not
// an ed25519 OpenSSH key gives CodeInvalid.
func LoadIdentity(path string) (*Identity, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, medperf.Errorf(medperf.CodeNotFound, "no private key at %s; create one with 'medperf keys create'", path)
	}
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: fmt.Sprintf("cannot open %s: %v", path, errors.Unwrap(err)), Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if !info.Mode().IsRegular() {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, medperf.Errorf(medperf.CodeForbidden, "private key file %s has mode %04o, so other users can read it; refusing to use it: run 'chmod 600 %s' (and consider the key compromised if others could read it)", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if len(data) > maxKeyFile {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s is too large to be an ed25519 key file", path)
	}
	id, err := ParsePrivate(data)
	if err != nil {
		var e *medperf.Error
		errors.As(err, &e)
		return nil, &medperf.Error{Code: e.Code, Message: path + ": " + e.Message, Err: e.Err}
	}
	return id, nil
}

// ParsePublicKey reads a public key in either registration form: an
// authorized-key line ("ssh-ed25519 AAAA... [comment]", as in a .pub file)
// or a PKIX PEM block ("-----BEGIN PUBLIC KEY-----", as openssl writes).
// Anything else, including non-ed25519 keys, gives CodeInvalid with Field
// "public_key".
func ParsePublicKey(text string) (PublicKey, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "-----BEGIN") {
		return parsePEMPublicKey([]byte(text))
	}
	if len(text) > maxKeyFile {
		return PublicKey{}, medperf.FieldError("public_key", "is too long for an ed25519 key")
	}
	pk, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return PublicKey{}, &medperf.Error{Code: medperf.CodeInvalid, Field: "public_key", Message: "must be an 'ssh-ed25519 AAAA...' line or a PEM public key", Err: err}
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return PublicKey{}, medperf.FieldError("public_key", "must be a single key, not several lines")
	}
	if pk.Type() != ssh.KeyAlgoED25519 {
		return PublicKey{}, medperf.FieldError("public_key", "is a %s key; medperf keys are ed25519", pk.Type())
	}
	cpk, ok := pk.(ssh.CryptoPublicKey)
	if !ok {
		return PublicKey{}, medperf.FieldError("public_key", "is not a plain ed25519 key")
	}
	edk, ok := cpk.CryptoPublicKey().(ed25519.PublicKey)
	if !ok || len(edk) != ed25519.PublicKeySize {
		return PublicKey{}, medperf.FieldError("public_key", "is not a plain ed25519 key")
	}
	return PublicKey{key: edk}, nil
}

func parsePEMPublicKey(data []byte) (PublicKey, error) {
	block, rest := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) > 0 {
		return PublicKey{}, medperf.FieldError("public_key", "must be a single PEM block of type PUBLIC KEY")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return PublicKey{}, &medperf.Error{Code: medperf.CodeInvalid, Field: "public_key", Message: "is not a valid PKIX public key", Err: err}
	}
	edk, ok := k.(ed25519.PublicKey)
	if !ok {
		return PublicKey{}, medperf.FieldError("public_key", "is a %T key; medperf keys are ed25519", k)
	}
	return PublicKey{key: edk}, nil
}

// PublicKeyFromEd25519 wraps a raw 32-byte ed25519 public key.
func PublicKeyFromEd25519(k ed25519.PublicKey) (PublicKey, error) {
	if len(k) != ed25519.PublicKeySize {
		return PublicKey{}, medperf.FieldError("public_key", "an ed25519 key is %d bytes, not %d", ed25519.PublicKeySize, len(k))
	}
	return PublicKey{key: append(ed25519.PublicKey(nil), k...)}, nil
}

// IsZero reports whether k is the zero PublicKey (no key).
func (k PublicKey) IsZero() bool { return len(k.key) == 0 }

// Ed25519 returns the raw key.
func (k PublicKey) Ed25519() ed25519.PublicKey { return k.key }

// Equal reports whether k and o are the same key.
func (k PublicKey) Equal(o PublicKey) bool { return k.key.Equal(o.key) }

// AuthorizedKey returns the key's registration form, the OpenSSH
// authorized-key line "ssh-ed25519 AAAA..." without a comment. This form
// was chosen because it is what `ssh-keygen -lf` fingerprints, what age
// accepts as a recipient (`age -R key.pub`), and what people already paste;
// PEM gives the same key to openssl.
func (k PublicKey) AuthorizedKey() string {
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(pk)), "\n")
}

// String returns the authorized-key line.
func (k PublicKey) String() string { return k.AuthorizedKey() }

// PEM returns the key as a PKIX "PUBLIC KEY" PEM block, the form
// `openssl pkeyutl -verify -pubin -inkey` reads.
func (k PublicKey) PEM() string {
	der, err := x509.MarshalPKIXPublicKey(k.key)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Fingerprint returns "SHA256:" and the unpadded base64 of the SHA-256 of
// the key's SSH wire encoding: exactly what `ssh-keygen -lf key.pub` prints,
// so a person can compare it with the dashboard's. It is also the key id in
// DSSE signatures.
func (k PublicKey) Fingerprint() string {
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(pk.Marshal())
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}
