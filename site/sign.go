package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// sign attaches the site's signature to a submission: an in-toto statement
// in a DSSE envelope (docs/trust.md) over the exact metrics sent. The
// envelope is kept with the local result, so that a retried submission
// sends the same bytes. Without a key the submission stays unsigned, unless
// the benchmark requires signatures: then it is refused (CodeForbidden)
// before anything is sent.
func (s *Site) sign(ctx context.Context, r *LocalResult, in *medperf.ResultInput) error {
	metrics, err := trust.CompactMetrics(r.Metrics)
	if err != nil {
		return err
	}
	in.Metrics = metrics
	if len(r.Envelope) > 0 {
		in.Envelope = r.Envelope
		return nil
	}
	b, err := s.Registry.GetBenchmark(ctx, r.BenchmarkID)
	if err != nil {
		return err
	}
	if s.Signer == nil {
		if b.RequireSignedResults {
			return &medperf.Error{Code: medperf.CodeForbidden, Field: "key",
				Message: "benchmark " + strconv.FormatInt(b.ID, 10) + " requires signed results and this site has no signing key: run 'medperf keys create', then submit again"}
		}
		return nil
	}
	p := trust.ResultPredicate{Benchmark: b.ID, Dataset: trust.DatasetClaim{ID: r.DatasetID, Hash: r.DataHash},
		Metrics: metrics, MedperfVersion: s.Version, Time: time.Now().UTC()}
	for _, c := range []struct {
		id  int64
		dst *trust.ContainerClaim
	}{{r.ModelID, &p.Model}, {b.DataEvaluatorContainer, &p.Evaluator}, {b.DataPreparationContainer, &p.Preparator}} {
		ct, err := s.Registry.GetContainer(ctx, c.id)
		if err != nil {
			return err
		}
		*c.dst = containerClaim(ct)
	}
	if p.MedperfVersion == "" {
		p.MedperfVersion = "unknown"
	}
	st, err := trust.NewResultStatement(p)
	if err != nil {
		return err
	}
	env, err := trust.SignStatement(ctx, st, s.Signer)
	if err != nil {
		return err
	}
	if in.Envelope, err = trust.MarshalEnvelope(env); err != nil {
		return err
	}
	r.Envelope = in.Envelope
	return s.saveLocalResult(r)
}

// containerClaim identifies a container by its registered image digest and
// the sha256 of its registered config. A container registered without a
// sha256 image digest (an image known by tag only) is identified by the
// sha256 of its config in both places: the signature then still binds the
// exact config the site ran.
func containerClaim(c *medperf.Container) trust.ContainerClaim {
	sum := sha256.Sum256(c.Config)
	config := hex.EncodeToString(sum[:])
	digest := strings.TrimPrefix(c.ImageHash, "sha256:")
	if _, err := hex.DecodeString(digest); err != nil || len(digest) != 64 || strings.ToLower(digest) != digest {
		digest = config
	}
	return trust.ContainerClaim{ID: c.ID, ImageDigest: digest, ConfigHash: config}
}
