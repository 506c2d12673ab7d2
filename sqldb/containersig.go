package sqldb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// hasEnvelope reports whether raw holds an envelope at all.
func hasEnvelope(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// verifyContainerSignature checks a container's signature: a medperf
// container statement signed by one of owner's registered, unrevoked keys,
// about in's image digest, config, parameters and additional files.
// Evidence that does not verify is CodeInvalid on "envelope".
func (d *DB) verifyContainerSignature(ctx context.Context, c conn, owner int64, in medperf.ContainerInput, raw json.RawMessage) (*signature, error) {
	env, err := trust.ParseEnvelope(raw)
	if err != nil {
		return nil, envelopeError(err)
	}
	active, err := d.activeKeys(ctx, c, owner)
	if err != nil {
		return nil, err
	}
	keys := make([]trust.PublicKey, 0, len(active))
	for _, k := range active {
		pub, err := trust.ParsePublicKey(k.PublicKey)
		if err != nil {
			return nil, internal(err)
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope",
			Message: "the container's owner has no registered, unrevoked key to check the signature with ('medperf keys create')"}
	}
	v, err := trust.VerifyContainerEnvelope(ctx, env, keys)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope", Message: "the signature does not verify against the owner's registered keys: " + medperf.ErrorMessage(err), Err: err}
	}
	want := trust.ContainerPredicateOf(in.Name, in.ImageHash, in.Config, in.Parameters, in.AdditionalFilesHash, "", time.Time{})
	if err := trust.SameContainer(v.Container, want); err != nil {
		return nil, err
	}
	canonical, err := trust.MarshalEnvelope(env)
	if err != nil {
		return nil, internal(err)
	}
	return &signature{envelope: canonical, keyID: active[v.Key.Fingerprint()].ID}, nil
}

// envelopeError names the envelope as the field of a parsing error that
// names a part of it.
func envelopeError(err error) error {
	e, ok := err.(*medperf.Error)
	if !ok || e.Field == "envelope" || e.Code == medperf.CodeTooLarge {
		return err
	}
	out := *e
	out.Field = "envelope"
	if e.Field != "" {
		out.Message = e.Field + " " + e.Message
	}
	return &out
}

// storeContainerSignature replaces container id's signature with sig.
func (d *DB) storeContainerSignature(ctx context.Context, c conn, id int64, sig *signature) error {
	if err := c.exec(ctx, `DELETE FROM container_signatures WHERE container_id = ?`, id); err != nil {
		return err
	}
	return c.exec(ctx, `INSERT INTO container_signatures (container_id, envelope, key_id, created_at) VALUES (?, ?, ?, ?)`,
		id, string(sig.envelope), sig.keyID, d.now())
}

// attachSignature fills x's Envelope and SignedBy from its stored
// signature, if any.
func attachSignature(ctx context.Context, c conn, x *medperf.Container) error {
	var env, fp string
	err := c.row(ctx, `SELECT s.envelope, k.fingerprint FROM container_signatures s JOIN keys k ON k.id = s.key_id
		WHERE s.container_id = ?`, x.ID).Scan(&env, &fp)
	if noRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	x.Envelope, x.SignedBy = json.RawMessage(env), fp
	return nil
}

// signedPartChanged reports whether an edit changes what a container's
// signature is about, so that the signature must go.
func signedPartChanged(old, next medperf.ContainerInput) bool {
	return old.ImageHash != next.ImageHash || old.AdditionalFilesHash != next.AdditionalFilesHash ||
		trust.ConfigHash(old.Config) != trust.ConfigHash(next.Config) || trust.ConfigHash(old.Parameters) != trust.ConfigHash(next.Parameters)
}

// SignContainer implements medperf.ContainerService.
func (d *DB) SignContainer(ctx context.Context, id int64, envelope json.RawMessage) (*medperf.Container, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !hasEnvelope(envelope) {
		return nil, medperf.FieldError("envelope", "is required: sign the container with 'medperf container sign'")
	}
	var out *medperf.Container
	err = d.write(ctx, func(c conn) error {
		x, err := getContainer(ctx, c, id)
		if err != nil {
			return err
		}
		if x.Owner != caller.ID {
			return medperf.Errorf(medperf.CodeForbidden, "only the container's owner signs it: a signature speaks for its key's account")
		}
		sig, err := d.verifyContainerSignature(ctx, c, x.Owner, x.Input(), envelope)
		if err != nil {
			return err
		}
		if err := d.storeContainerSignature(ctx, c, id, sig); err != nil {
			return err
		}
		if out, err = getContainer(ctx, c, id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionUpdate, "container", id, map[string]string{"signed_by": out.SignedBy}, x.Owner)
	})
	return out, err
}
