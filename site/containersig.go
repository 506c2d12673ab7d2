package site

import (
	"context"
	"encoding/json"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site/policy"
	"github.com/medperf/medperf/trust"
)

// ContainerSignature checks the owner's signature of a registered
// container, as a site does before running it: the envelope the registry
// serves must verify against the owner's unrevoked keys as the registry
// serves them, and be about the container's image digest, config,
// parameters and additional files, which are the hashes the site runs
// (the runtime checks the image against ImageHash, the download its
// additional files against theirs). It returns the signing key's
// fingerprint, or "" and why the container does not count as signed ("" as
// well for a container that carries no signature). Errors reading the
// owner's keys are returned.
func (s *Site) ContainerSignature(ctx context.Context, c *medperf.Container) (fingerprint, problem string, err error) {
	if len(c.Envelope) == 0 || string(c.Envelope) == "null" {
		return "", "", nil
	}
	env, err := trust.ParseEnvelope(c.Envelope)
	if err != nil {
		return "", medperf.ErrorMessage(err), nil
	}
	registered, err := s.Registry.ListKeys(ctx, c.Owner)
	if err != nil {
		return "", "", err
	}
	var keys []trust.PublicKey
	for _, k := range registered {
		if k.Revoked() {
			continue
		}
		if pub, err := trust.ParsePublicKey(k.PublicKey); err == nil {
			keys = append(keys, pub)
		}
	}
	if len(keys) == 0 {
		return "", "its owner has no unrevoked key", nil
	}
	v, err := trust.VerifyContainerEnvelope(ctx, env, keys)
	if err != nil {
		return "", medperf.ErrorMessage(err), nil
	}
	want := trust.ContainerPredicateOf(c.Name, c.ImageHash, c.Config, c.Parameters, c.AdditionalFilesHash, "", time.Time{})
	if err := trust.SameContainer(v.Container, want); err != nil {
		return "", medperf.ErrorMessage(err), nil
	}
	return v.Key.Fingerprint(), "", nil
}

// signatureFacts sets what the policy's unsigned_containers rule reads
// about c on pc. Only a site whose policy runs signed containers only
// checks: no other rule reads it, and the check costs a request for the
// owner's keys.
func (s *Site) signatureFacts(ctx context.Context, c *medperf.Container, pc *policy.Container) error {
	if s.Policy == nil || s.Policy.UnsignedContainers {
		return nil
	}
	fp, problem, err := s.ContainerSignature(ctx, c)
	if err != nil {
		return err
	}
	pc.Signed, pc.SignedBy, pc.Unsigned = fp != "", fp, problem
	return nil
}

// signContainerInput signs ci as its owner with the site's key (Signer):
// an in-toto statement over its image digest, config, parameters and
// additional files, in a DSSE envelope (docs/trust.md). Without a key
// nothing is signed; a container whose image has no sha256 digest cannot
// be signed, and is registered unsigned with a warning.
func (s *Site) signContainerInput(ctx context.Context, ci *medperf.ContainerInput) error {
	if s.Signer == nil {
		return nil
	}
	env, err := SignContainer(ctx, s.Signer, ci, s.Version)
	if medperf.ErrorCode(err) == medperf.CodeInvalid {
		s.warn("the container is registered unsigned: %s", medperf.ErrorMessage(err))
		return nil
	}
	if err != nil {
		return err
	}
	ci.Envelope = env
	return nil
}

// SignContainer returns the envelope that signs ci with id: what
// `container submit` attaches and `container sign` sends. CodeInvalid
// (field "image_digest") when ci's image hash is not a sha256 digest.
func SignContainer(ctx context.Context, id *trust.Identity, ci *medperf.ContainerInput, version string) (json.RawMessage, error) {
	st, err := trust.NewContainerStatement(trust.ContainerPredicateOf(ci.Name, ci.ImageHash, ci.Config, ci.Parameters,
		ci.AdditionalFilesHash, version, time.Now()))
	if err != nil {
		return nil, err
	}
	env, err := trust.SignStatement(ctx, st, id)
	if err != nil {
		return nil, err
	}
	return trust.MarshalEnvelope(env)
}
