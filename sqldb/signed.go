package sqldb

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// signature is a verified submission's evidence, as stored with the
// result: the envelope's canonical JSON and the key that signed it.
type signature struct {
	envelope []byte
	keyID    int64
}

// columns returns the values of the results' envelope and key_id columns.
func (s *signature) columns() (any, any) {
	if s == nil {
		return nil, nil
	}
	return string(s.envelope), s.keyID
}

// verifySubmission checks a submission's signature: the envelope must be a
// medperf result signed by one of the caller's registered, unrevoked keys,
// about this benchmark, model and dataset, with exactly the submitted
// metrics (trust.SameMetrics). A submission without an envelope is
// CodeForbidden when the benchmark requires signed results (required), and nil
// otherwise. Evidence that does not verify is CodeInvalid on "envelope".
func verifySubmission(ctx context.Context, d *DB, c conn, caller *medperf.User, in medperf.ResultInput, required bool) (*signature, error) {
	if len(in.Envelope) == 0 || string(in.Envelope) == "null" {
		if required {
			return nil, &medperf.Error{Code: medperf.CodeForbidden, Field: "envelope",
				Message: "benchmark requires signed results: sign with a registered key ('medperf keys create', then submit again)"}
		}
		return nil, nil
	}
	env, err := trust.ParseEnvelope(in.Envelope)
	if err != nil {
		return nil, err
	}
	active, err := d.activeKeys(ctx, c, caller.ID)
	if err != nil {
		return nil, err
	}
	var keys []trust.PublicKey
	for _, k := range active {
		pub, err := trust.ParsePublicKey(k.PublicKey)
		if err != nil {
			return nil, internal(err)
		}
		keys = append(keys, pub)
	}
	if len(keys) == 0 {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope",
			Message: "the submitter has no registered, unrevoked key to check the signature with ('medperf keys create')"}
	}
	v, err := trust.VerifyEnvelope(ctx, env, keys)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope", Message: "the signature does not verify against your registered keys: " + medperf.ErrorMessage(err), Err: err}
	}
	if err := sameClaims(v.Result, in); err != nil {
		return nil, err
	}
	canonical, err := trust.MarshalEnvelope(env)
	if err != nil {
		return nil, internal(err)
	}
	return &signature{envelope: canonical, keyID: active[v.Key.Fingerprint()].ID}, nil
}

// sameClaims checks that what the envelope signs is what was submitted.
func sameClaims(p *trust.ResultPredicate, in medperf.ResultInput) error {
	mismatch := func(what string) error {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "envelope", Message: "the signed " + what + " differs from the submitted one"}
	}
	switch {
	case p.Benchmark != in.BenchmarkID:
		return mismatch("benchmark")
	case p.Model.ID != in.ModelID:
		return mismatch("model")
	case p.Dataset.ID != in.DatasetID:
		return mismatch("dataset")
	case !trust.SameMetrics(p.Metrics, in.Metrics):
		return mismatch("metrics")
	}
	return nil
}
