package trust

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/medperf/medperf"
)

// Checkpoint is a log's signed statement of its size and root hash, in the
// C2SP tlog-checkpoint format:
//
//	<origin>\n<size, decimal>\n<base64 root hash>\n[extension lines]
//
// carried in a C2SP signed note whose key name is the origin.
type Checkpoint struct {
	// Origin names the log, e.g. "registry.example.org/medperf"; it is also
	// the name of the key that signs the log's checkpoints.
	Origin string
	Size   int64
	Root   Hash
	// Extensions are optional further lines, kept as they are.
	Extensions []string
}

// maxCheckpoint bounds a signed checkpoint note.
const maxCheckpoint = 16 << 10

// Text returns the checkpoint body, the text the note signs.
func (c Checkpoint) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
	for _, e := range c.Extensions {
		b.WriteString(e + "\n")
	}
	return b.Bytes()
}

// checkOrigin requires a valid note key name: non-empty UTF-8 without
// spaces or '+', since the origin also names the signing key.
func checkOrigin(origin string) error {
	if origin == "" || !utf8.ValidString(origin) || strings.ContainsRune(origin, '+') ||
		strings.IndexFunc(origin, unicode.IsSpace) >= 0 {
		return medperf.FieldError("origin", "must be a non-empty name without spaces or '+', such as registry.example.org/medperf")
	}
	return nil
}

// ParseCheckpoint parses a checkpoint body (the note's text, not the signed
// note). Errors are CodeInvalid naming the line at fault.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	if !bytes.HasSuffix(text, []byte("\n")) {
		return Checkpoint{}, medperf.FieldError("checkpoint", "must end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, medperf.FieldError("checkpoint", "must have an origin, a size and a root hash line")
	}
	c := Checkpoint{Origin: lines[0]}
	if err := checkOrigin(c.Origin); err != nil {
		return Checkpoint{}, err
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, medperf.FieldError("checkpoint", "line 2 must be the tree size in decimal")
	}
	c.Size = size
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != len(c.Root) {
		return Checkpoint{}, medperf.FieldError("checkpoint", "line 3 must be the base64 of a 32-byte root hash")
	}
	copy(c.Root[:], root)
	for _, e := range lines[3:] {
		if e == "" {
			return Checkpoint{}, medperf.FieldError("checkpoint", "must not contain empty lines")
		}
		c.Extensions = append(c.Extensions, e)
	}
	return c, nil
}

// CheckpointSigner signs a log's checkpoints with an ed25519 identity, as a
// golang.org/x/mod/sumdb/note signer whose key name is the log's origin.
type CheckpointSigner struct {
	origin string
	id     *Identity
	hash   uint32
}

// NewCheckpointSigner returns the signer of the log named origin. The
// server makes one at start from its log key.
func NewCheckpointSigner(origin string, id *Identity) (*CheckpointSigner, error) {
	if id == nil {
		return nil, medperf.FieldError("identity", "is missing: the log needs a signing key")
	}
	if err := checkOrigin(origin); err != nil {
		return nil, err
	}
	vkey, err := CheckpointVerifierKey(origin, id.Public())
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return &CheckpointSigner{origin: origin, id: id, hash: v.KeyHash()}, nil
}

// Name returns the key name, the log's origin.
func (s *CheckpointSigner) Name() string { return s.origin }

// KeyHash returns the note key hash of the signing key.
func (s *CheckpointSigner) KeyHash() uint32 { return s.hash }

// Sign signs msg with ed25519.
func (s *CheckpointSigner) Sign(msg []byte) ([]byte, error) { return s.id.sign(msg), nil }

// VerifierKey returns the verifier key clients pin (CheckpointVerifierKey).
func (s *CheckpointSigner) VerifierKey() string {
	k, _ := CheckpointVerifierKey(s.origin, s.id.Public())
	return k
}

// SignCheckpoint returns c as a signed note: its text, a blank line and the
// signature line "— <origin> <base64(key hash || signature)>". c's origin
// must be the signer's.
func (s *CheckpointSigner) SignCheckpoint(c Checkpoint) ([]byte, error) {
	if c.Origin != s.origin {
		return nil, medperf.FieldError("origin", "is %q but this log's key signs %q", c.Origin, s.origin)
	}
	if _, err := ParseCheckpoint(c.Text()); err != nil {
		return nil, err
	}
	msg, err := note.Sign(&note.Note{Text: string(c.Text())}, s)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return msg, nil
}

// CheckpointVerifierKey returns the note verifier key of a log,
// "<origin>+<key hash hex>+<base64(0x01 || ed25519 key)>": what `auth login`
// pins on first use and what the Go note package, and any C2SP signed-note
// implementation, reads.
func CheckpointVerifierKey(origin string, pub PublicKey) (string, error) {
	if err := checkOrigin(origin); err != nil {
		return "", err
	}
	k, err := note.NewEd25519VerifierKey(origin, pub.key)
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInvalid, Field: "public_key", Message: "is not an ed25519 key", Err: err}
	}
	return k, nil
}

// OpenCheckpoint verifies a signed checkpoint note against the pinned
// verifier key and returns the checkpoint. It refuses (CodeInvalid) a note
// without a valid signature by that key, a malformed key, and a checkpoint
// whose origin is not the key's name. It says nothing about history: call
// VerifyConsistency against the last checkpoint seen.
func OpenCheckpoint(msg []byte, verifierKey string) (Checkpoint, error) {
	if len(msg) > maxCheckpoint {
		return Checkpoint{}, medperf.Errorf(medperf.CodeTooLarge, "the checkpoint is %d bytes; the limit is %d", len(msg), maxCheckpoint)
	}
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return Checkpoint{}, &medperf.Error{Code: medperf.CodeInvalid, Field: "verifier_key", Message: "is not a note verifier key (name+hash+key)", Err: err}
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, openError(err)
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, medperf.FieldError("checkpoint", "is for log %q, not %q", c.Origin, v.Name())
	}
	return c, nil
}

// openError explains why note.Open refused a note.
func openError(err error) error {
	var unverified *note.UnverifiedNoteError
	var invalid *note.InvalidSignatureError
	switch {
	case errors.As(err, &invalid):
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "checkpoint", Message: "has a signature by the log's key that does not verify: it was altered", Err: err}
	case errors.As(err, &unverified):
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "checkpoint", Message: "is not signed by the log key pinned for this server: the server's key changed or someone else answered", Err: err}
	}
	return &medperf.Error{Code: medperf.CodeInvalid, Field: "checkpoint", Message: "is not a signed note", Err: err}
}
