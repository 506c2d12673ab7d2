package trust

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/medperf/medperf"
)

// ContainerPredicateType identifies medperf's container predicate, version
// 1: a container owner's statement that this image and this config are
// theirs to run. docs/trust.md documents every field.
const ContainerPredicateType = "https://github.com/medperf/medperf/attestation/container/v1"

// Subject names of a container statement; the digest of each is its
// sha256.
const (
	// SubjectImage is the subject whose digest is the container's image
	// digest (a registry manifest digest, or an archive's sha256).
	SubjectImage = "medperf:container/image"
	// SubjectConfig is the subject whose digest is the sha256 of the
	// container's registered config (ConfigHash).
	SubjectConfig = "medperf:container/config"
)

// ContainerPredicate is the predicate of ContainerPredicateType. Digests
// and hashes are lowercase hex sha256 without a "sha256:" prefix; the
// optional ones are empty when the container has no parameters or no
// additional files. It names no registry id: a container is signed before
// the registry gives it one.
type ContainerPredicate struct {
	Name                string `json:"name"`
	ImageDigest         string `json:"image_digest"`
	ConfigHash          string `json:"config_hash"`
	ParametersHash      string `json:"parameters_hash,omitempty"`
	AdditionalFilesHash string `json:"additional_files_hash,omitempty"`
	MedperfVersion      string `json:"medperf_version"`
	// Time is when the owner signed, UTC, second precision.
	Time time.Time `json:"time"`
}

// ConfigHash returns the sha256 (lowercase hex) of a container's config or
// parameters JSON in canonical form: object keys sorted, no insignificant
// whitespace, no HTML escaping, numbers as written. The registry stores and
// serves the JSON it was given, but a JSON encoder on the way may re-space
// or re-escape it; the canonical form is the same at the owner, who hashes
// what it submits, and at a site, which hashes what it receives. Empty or
// null JSON, and JSON that does not parse, hash to "" (nothing to sign).
func ConfigHash(raw json.RawMessage) string {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return ""
	}
	canonical, err := marshalCanonical(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// ContainerPredicateOf returns the predicate that describes c (its
// registered or about-to-be-registered fields) as signed now by medperf
// version: what a signature must be about for c.
func ContainerPredicateOf(name, imageHash string, config, parameters json.RawMessage, additionalFilesHash, version string, now time.Time) ContainerPredicate {
	p := ContainerPredicate{Name: name, ImageDigest: imageHash, ConfigHash: ConfigHash(config),
		ParametersHash: ConfigHash(parameters), AdditionalFilesHash: additionalFilesHash, MedperfVersion: version, Time: now}
	if p.MedperfVersion == "" {
		p.MedperfVersion = "unknown"
	}
	return p
}

func (p ContainerPredicate) normalize() (ContainerPredicate, error) {
	var err error
	if p.Name == "" {
		return p, medperf.FieldError("name", "is required")
	}
	if p.ImageDigest, err = normalizeDigest("image_digest", p.ImageDigest); err != nil {
		return p, &medperf.Error{Code: medperf.CodeInvalid, Field: "image_digest",
			Message: "must be a sha256 digest: a container is signed over its image digest, so register it with one (--image-hash, or a digest the engine reports)"}
	}
	if p.ConfigHash, err = normalizeDigest("config_hash", p.ConfigHash); err != nil {
		return p, err
	}
	for _, h := range []struct {
		field string
		v     *string
	}{{"parameters_hash", &p.ParametersHash}, {"additional_files_hash", &p.AdditionalFilesHash}} {
		if *h.v == "" {
			continue
		}
		if *h.v, err = normalizeDigest(h.field, *h.v); err != nil {
			return p, err
		}
	}
	if p.MedperfVersion == "" {
		return p, medperf.FieldError("medperf_version", "is required")
	}
	if p.Time.IsZero() {
		return p, medperf.FieldError("time", "is required")
	}
	p.Time = p.Time.UTC().Truncate(time.Second)
	return p, nil
}

// NewContainerStatement builds the statement a container owner signs: its
// subjects are the image digest and the config's hash. It checks p
// (CodeInvalid naming the field).
func NewContainerStatement(p ContainerPredicate) (*Statement, error) {
	p, err := p.normalize()
	if err != nil {
		return nil, err
	}
	pred, err := marshalCanonical(p)
	if err != nil {
		return nil, err
	}
	return &Statement{
		Type: StatementType,
		Subject: []Subject{
			{Name: SubjectImage, Digest: map[string]string{"sha256": p.ImageDigest}},
			{Name: SubjectConfig, Digest: map[string]string{"sha256": p.ConfigHash}},
		},
		PredicateType: ContainerPredicateType,
		Predicate:     pred,
	}, nil
}

// ParseContainerStatement decodes an in-toto statement carrying a medperf
// container predicate and checks it as ParseStatement does a result's.
func ParseContainerStatement(payload []byte) (*Statement, *ContainerPredicate, error) {
	return parseStatement(payload, statementKind[ContainerPredicate]{
		predicateType: ContainerPredicateType,
		is:            "a medperf container statement is",
		has:           "a signed medperf container has",
		predicate:     "a medperf container predicate",
		subjects:      "the image digest and the config hash",
		statement:     NewContainerStatement,
	})
}

// VerifiedContainer is what VerifyContainerEnvelope found.
type VerifiedContainer struct {
	Statement *Statement
	Container *ContainerPredicate
	// Key is the first of the given keys with a valid signature.
	Key PublicKey
}

// VerifyContainerEnvelope checks that env carries a medperf container
// statement signed by one of keys (CodeInvalid otherwise, as
// VerifyEnvelope), and returns it with the signing key. It does not compare
// the statement with a container: see SameContainer.
func VerifyContainerEnvelope(ctx context.Context, env *Envelope, keys []PublicKey) (*VerifiedContainer, error) {
	body, signer, err := verifySignature(ctx, env, keys)
	if err != nil {
		return nil, err
	}
	st, pred, err := ParseContainerStatement(body)
	if err != nil {
		return nil, err
	}
	return &VerifiedContainer{Statement: st, Container: pred, Key: signer}, nil
}

// SameContainer checks that a verified predicate is about want (from
// ContainerPredicateOf with the container's registered fields): the same
// image digest, config, parameters and additional files. The name, version
// and time are not compared (a container may be renamed). A difference is
// CodeInvalid on "envelope" naming what differs.
func SameContainer(got *ContainerPredicate, want ContainerPredicate) error {
	mismatch := func(what string) error {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope", Message: "the signed " + what + " differs from the container's"}
	}
	norm := func(d string) string {
		n, err := normalizeDigest("", d)
		if err != nil {
			return d
		}
		return n
	}
	switch {
	case got.ImageDigest != norm(want.ImageDigest):
		return mismatch("image digest")
	case got.ConfigHash != want.ConfigHash:
		return mismatch("config")
	case got.ParametersHash != want.ParametersHash:
		return mismatch("parameters")
	case got.AdditionalFilesHash != norm(want.AdditionalFilesHash):
		return mismatch("additional files hash")
	}
	return nil
}
