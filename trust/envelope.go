package trust

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"errors"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/medperf/medperf"
)

// Envelope is a DSSE envelope: {"payloadType", "payload" (base64),
// "signatures": [{"keyid", "sig"}]}. Signatures cover
// PAE(payloadType, payload), never the JSON.
type Envelope = dsse.Envelope

// MaxEnvelopeSize bounds an envelope's JSON. Results carry metrics only, so
// a megabyte is generous; the API should refuse larger bodies before
// parsing.
const MaxEnvelopeSize = 1 << 20

// dsseKey adapts an ed25519 key to dsse's Signer and Verifier. The key id is
// the key's SSH fingerprint, which is also what dsse derives by default.
type dsseKey struct {
	id  *Identity // nil for verification only
	pub PublicKey
}

func (k dsseKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	return k.id.sign(data), nil
}

func (k dsseKey) Verify(_ context.Context, data, sig []byte) error {
	if !ed25519.Verify(k.pub.key, data, sig) {
		return errors.New("ed25519 signature does not verify")
	}
	return nil
}

func (k dsseKey) KeyID() (string, error)   { return k.pub.Fingerprint(), nil }
func (k dsseKey) Public() crypto.PublicKey { return k.pub.key }

// SignStatement encodes st and signs it with id into a DSSE envelope with
// payload type PayloadType and one signature whose keyid is id's
// fingerprint. The CLI calls it before submitting a result.
func SignStatement(ctx context.Context, st *Statement, id *Identity) (*Envelope, error) {
	if st == nil || id == nil {
		return nil, medperf.FieldError("envelope", "needs a statement and a key to sign with")
	}
	body, err := marshalCanonical(st)
	if err != nil {
		return nil, err
	}
	signer, err := dsse.NewEnvelopeSigner(dsseKey{id: id, pub: id.Public()})
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	env, err := signer.SignPayload(ctx, PayloadType, body)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return env, nil
}

// ParseEnvelope decodes an envelope's JSON strictly: no unknown fields, no
// trailing data, at most MaxEnvelopeSize bytes, the payload and every
// signature in canonical standard base64 (so one envelope has one
// encoding, and one log leaf), at least one signature. It does not verify
// signatures; VerifyEnvelope does. Errors are CodeInvalid (CodeTooLarge for
// size) naming the field.
func ParseEnvelope(data []byte) (*Envelope, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the envelope is %d bytes; the limit is %d", len(data), MaxEnvelopeSize)
	}
	var env Envelope
	if err := decodeStrict(data, &env); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope", Message: "is not a DSSE envelope: " + jsonProblem(err), Err: err}
	}
	if err := checkEnvelopeShape(&env); err != nil {
		return nil, err
	}
	return &env, nil
}

func checkEnvelopeShape(env *Envelope) error {
	if env.PayloadType != PayloadType {
		return medperf.FieldError("payloadType", "is %q; a medperf result has %q", env.PayloadType, PayloadType)
	}
	if _, err := decodeCanonicalB64(env.Payload); err != nil {
		return medperf.FieldError("payload", "must be standard base64 (with padding)")
	}
	if len(env.Signatures) == 0 {
		return medperf.FieldError("signatures", "are missing: the result is not signed")
	}
	for _, s := range env.Signatures {
		if _, err := decodeCanonicalB64(s.Sig); err != nil {
			return medperf.FieldError("signatures", "must be standard base64 (with padding)")
		}
	}
	return nil
}

// decodeCanonicalB64 decodes standard padded base64 and refuses any other
// spelling of the same bytes (URL alphabet, missing padding, stray bits).
func decodeCanonicalB64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}

// MarshalEnvelope returns env's canonical JSON: the bytes the store keeps
// and the log's result leaf embeds.
func MarshalEnvelope(env *Envelope) ([]byte, error) {
	if env == nil {
		return nil, medperf.FieldError("envelope", "is missing")
	}
	if err := checkEnvelopeShape(env); err != nil {
		return nil, err
	}
	return marshalCanonical(env)
}

// Verified is what VerifyEnvelope found: the statement, its result
// predicate, and the key that signed it.
type Verified struct {
	Statement *Statement
	Result    *ResultPredicate
	// Key is the first of the given keys with a valid signature.
	Key PublicKey
}

// VerifyEnvelope checks that env carries a medperf result signed by one of
// keys, and returns the decoded result and the signing key. It refuses
// (CodeInvalid) a wrong payload type, a payload that is not a medperf
// in-toto statement, and an envelope with no valid signature by any of
// keys, so a flipped byte anywhere in the payload or signature fails. The
// server calls it with the submitter's registered, unrevoked keys; `medperf
// result verify` with the key it was given.
func VerifyEnvelope(ctx context.Context, env *Envelope, keys []PublicKey) (*Verified, error) {
	body, signer, err := verifySignature(ctx, env, keys)
	if err != nil {
		return nil, err
	}
	st, pred, err := ParseStatement(body)
	if err != nil {
		return nil, err
	}
	return &Verified{Statement: st, Result: pred, Key: signer}, nil
}

// verifySignature checks env's payload type and that one of keys signed
// it, and returns the payload and the first key with a valid signature.
func verifySignature(ctx context.Context, env *Envelope, keys []PublicKey) ([]byte, PublicKey, error) {
	if env == nil {
		return nil, PublicKey{}, medperf.FieldError("envelope", "is missing")
	}
	if err := checkEnvelopeShape(env); err != nil {
		return nil, PublicKey{}, err
	}
	verifiers := make([]dsse.Verifier, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		// dsse counts duplicate keys loudly on stdout; give it each key once.
		if k.IsZero() || seen[k.Fingerprint()] {
			continue
		}
		seen[k.Fingerprint()] = true
		verifiers = append(verifiers, dsseKey{pub: k})
	}
	if len(verifiers) == 0 {
		return nil, PublicKey{}, medperf.FieldError("signatures", "cannot be checked: no public key was given (register one with 'medperf keys create')")
	}
	ev, err := dsse.NewEnvelopeVerifier(verifiers...)
	if err != nil {
		return nil, PublicKey{}, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	accepted, body, err := ev.VerifyAndDecode(ctx, env)
	if err != nil || len(accepted) == 0 {
		return nil, PublicKey{}, &medperf.Error{Code: medperf.CodeInvalid, Field: "signatures", Message: "no signature verifies with the given keys: the envelope was altered or signed by another key", Err: err}
	}
	var signer PublicKey
	for _, k := range keys {
		if bytes.Equal(k.key, accepted[0].Public.(ed25519.PublicKey)) {
			signer = k
			break
		}
	}
	return body, signer, nil
}
