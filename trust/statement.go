package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
)

// The in-toto constants of a signed result.
const (
	// StatementType is the in-toto Statement v1 type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// ResultPredicateType identifies medperf's result predicate, version 1.
	// A change to the predicate's meaning gets a new version (/v2); adding an
	// optional field does not. docs/trust.md documents every field.
	ResultPredicateType = "https://github.com/medperf/medperf/attestation/result/v1"
)

// Subject names of a result statement. The digest of each is its sha256.
const (
	// SubjectDatasetPrefix is followed by the dataset id: the subject whose
	// digest is the prepared dataset's hash (its generated_uid).
	SubjectDatasetPrefix = "medperf:dataset/"
	// SubjectModelPrefix is followed by the model's container id: the
	// subject whose digest is the model's image digest.
	SubjectModelPrefix = "medperf:model/"
)

// Statement is an in-toto Statement v1. medperf defines its own small type
// rather than importing the in-toto Go package, which would bring protobuf
// for four fields.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// Subject is one artifact a statement is about.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// ContainerClaim identifies one container of a result: its registry id, its
// image digest and the sha256 of its registered config.
type ContainerClaim struct {
	ID          int64  `json:"id"`
	ImageDigest string `json:"image_digest"`
	ConfigHash  string `json:"config_hash"`
}

// DatasetClaim identifies the prepared dataset a result was computed on.
type DatasetClaim struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
}

// ResultPredicate is the predicate of ResultPredicateType: what a site
// claims it ran and what it got. Digests and hashes are lowercase hex sha256
// without a "sha256:" prefix. Metrics are the exact bytes submitted.
type ResultPredicate struct {
	Benchmark      int64           `json:"benchmark"`
	Dataset        DatasetClaim    `json:"dataset"`
	Model          ContainerClaim  `json:"model"`
	Evaluator      ContainerClaim  `json:"evaluator"`
	Preparator     ContainerClaim  `json:"preparator"`
	Metrics        json.RawMessage `json:"metrics"`
	MedperfVersion string          `json:"medperf_version"`
	// Time is when the site signed the result, UTC, second precision.
	Time time.Time `json:"time"`
}

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// normalizeDigest strips an optional "sha256:" prefix and checks the hex.
func normalizeDigest(field, v string) (string, error) {
	v = strings.TrimPrefix(v, "sha256:")
	if !hexSHA256.MatchString(v) {
		return "", medperf.FieldError(field, "must be a sha256 in lowercase hex (optionally prefixed with sha256:)")
	}
	return v, nil
}

// normalize checks p and returns it with digests stripped of "sha256:" and
// the time in UTC at second precision, so that what is signed is canonical.
func (p ResultPredicate) normalize() (ResultPredicate, error) {
	var err error
	if p.Benchmark <= 0 {
		return p, medperf.FieldError("benchmark", "must be a positive id")
	}
	if p.Dataset.ID <= 0 {
		return p, medperf.FieldError("dataset.id", "must be a positive id")
	}
	if p.Dataset.Hash, err = normalizeDigest("dataset.hash", p.Dataset.Hash); err != nil {
		return p, err
	}
	for _, c := range []struct {
		name string
		c    *ContainerClaim
	}{{"model", &p.Model}, {"evaluator", &p.Evaluator}, {"preparator", &p.Preparator}} {
		if err := c.c.normalize(c.name); err != nil {
			return p, err
		}
	}
	if err := checkMetrics(p.Metrics); err != nil {
		return p, err
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

func (c *ContainerClaim) normalize(name string) error {
	if c.ID <= 0 {
		return medperf.FieldError(name+".id", "must be a positive id")
	}
	var err error
	if c.ImageDigest, err = normalizeDigest(name+".image_digest", c.ImageDigest); err != nil {
		return err
	}
	c.ConfigHash, err = normalizeDigest(name+".config_hash", c.ConfigHash)
	return err
}

// checkMetrics requires a JSON object; its bytes are kept as they are.
func checkMetrics(m json.RawMessage) error {
	trimmed := bytes.TrimSpace(m)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return medperf.FieldError("metrics", "must be a JSON object")
	}
	return nil
}

// NewResultStatement builds the statement a site signs when it submits a
// result. It checks p (CodeInvalid naming the field) and makes the two
// subjects: the prepared dataset's hash and the model's image digest. The
// metrics are embedded byte for byte, as they will be submitted.
func NewResultStatement(p ResultPredicate) (*Statement, error) {
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
			{Name: SubjectDatasetPrefix + strconv.FormatInt(p.Dataset.ID, 10), Digest: map[string]string{"sha256": p.Dataset.Hash}},
			{Name: SubjectModelPrefix + strconv.FormatInt(p.Model.ID, 10), Digest: map[string]string{"sha256": p.Model.ImageDigest}},
		},
		PredicateType: ResultPredicateType,
		Predicate:     pred,
	}, nil
}

// ParseStatement decodes an in-toto statement carrying a medperf result and
// checks it: the statement type, the predicate type, every field of the
// predicate, and that the subjects agree with the predicate. Anything else
// gives CodeInvalid naming the field.
func ParseStatement(payload []byte) (*Statement, *ResultPredicate, error) {
	return parseStatement(payload, statementKind[ResultPredicate]{
		predicateType: ResultPredicateType,
		is:            "a medperf result is",
		has:           "a medperf result has",
		predicate:     "a medperf result predicate",
		subjects:      "the dataset hash and the model image digest",
		statement:     NewResultStatement,
	})
}

// statementKind is what tells one kind of medperf statement from another
// for parseStatement: its predicate type, the words of its errors, and how
// its subjects follow from its predicate.
type statementKind[P interface{ normalize() (P, error) }] struct {
	predicateType      string
	is, has, predicate string
	subjects           string
	statement          func(P) (*Statement, error)
}

// parseStatement decodes an in-toto statement of kind k and checks it: the
// statement type, the predicate type, every field of the predicate (strict
// and canonical), and that the subjects are exactly those the predicate
// gives. Anything else is CodeInvalid naming the field.
func parseStatement[P interface{ normalize() (P, error) }](payload []byte, k statementKind[P]) (*Statement, *P, error) {
	var st Statement
	if err := decodeStrict(payload, &st); err != nil {
		return nil, nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "payload", Message: "is not an in-toto statement: " + jsonProblem(err), Err: err}
	}
	if st.Type != StatementType {
		return nil, nil, medperf.FieldError("_type", "is %q; %s an in-toto Statement %q", st.Type, k.is, StatementType)
	}
	if st.PredicateType != k.predicateType {
		return nil, nil, medperf.FieldError("predicateType", "is %q; %s %q", st.PredicateType, k.has, k.predicateType)
	}
	var p P
	if err := decodeStrict(st.Predicate, &p); err != nil {
		return nil, nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "predicate", Message: "is not " + k.predicate + ": " + jsonProblem(err), Err: err}
	}
	norm, err := p.normalize()
	if err != nil {
		return nil, nil, err
	}
	a, errA := marshalCanonical(norm)
	b, errB := marshalCanonical(p)
	if errA != nil || errB != nil || !bytes.Equal(a, b) {
		return nil, nil, medperf.FieldError("predicate", "is not in canonical form (digests without sha256:, time in whole UTC seconds)")
	}
	want, err := k.statement(p)
	if err != nil || !subjectsEqual(st.Subject, want.Subject) {
		return nil, nil, medperf.FieldError("subject", "must be exactly %s of the predicate", k.subjects)
	}
	return &st, &p, nil
}

func subjectsEqual(a, b []Subject) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || len(a[i].Digest) != len(b[i].Digest) {
			return false
		}
		for k, v := range b[i].Digest {
			if a[i].Digest[k] != v {
				return false
			}
		}
	}
	return true
}

// decodeStrict decodes one JSON value, refusing unknown fields and
// trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// jsonProblem turns a decoding error into a short message safe to show.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	return err.Error()
}

// marshalCanonical encodes v as compact JSON without HTML escaping. The
// metrics inside are compacted too (encoding/json compacts raw messages), so
// "exactly as submitted" means: the site submits CompactMetrics of what it
// signed, and the server compares with SameMetrics.
func marshalCanonical(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "metrics", Message: "must be valid JSON", Err: err}
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// CompactMetrics returns metrics in the form a signed result embeds them:
// the same JSON text with insignificant whitespace removed (numbers, key
// order and string escapes are kept). The CLI submits these bytes.
func CompactMetrics(metrics json.RawMessage) (json.RawMessage, error) {
	if err := checkMetrics(metrics); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, metrics); err != nil {
		return nil, medperf.FieldError("metrics", "must be a JSON object")
	}
	return buf.Bytes(), nil
}

// SameMetrics reports whether two metrics documents are the same text up to
// insignificant whitespace: how the server checks that the metrics it
// receives are the ones the envelope signs. Invalid JSON is never the same.
func SameMetrics(a, b json.RawMessage) bool {
	ca, errA := CompactMetrics(a)
	cb, errB := CompactMetrics(b)
	return errA == nil && errB == nil && bytes.Equal(ca, cb)
}
