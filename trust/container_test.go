package trust

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/medperf/medperf"
)

func containerFixture(t *testing.T) (ContainerPredicate, *Identity) {
	t.Helper()
	id, err := NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	p := ContainerPredicateOf("model-a", "sha256:"+strings.Repeat("ab", 32), json.RawMessage(`{"image": "x", "tasks": {}}`),
		json.RawMessage(`{"threshold": 1}`), strings.Repeat("cd", 32), "test", time.Now())
	return p, id
}

func signContainer(t *testing.T, p ContainerPredicate, id *Identity) *Envelope {
	t.Helper()
	st, err := NewContainerStatement(p)
	if err != nil {
		t.Fatal(err)
	}
	env, err := SignStatement(context.Background(), st, id)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestAContainerSignatureVerifiesAndBindsItsHashes(t *testing.T) {
	ctx := context.Background()
	p, id := containerFixture(t)
	env := signContainer(t, p, id)
	v, err := VerifyContainerEnvelope(ctx, env, []PublicKey{id.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if v.Key.Fingerprint() != id.Public().Fingerprint() || SameContainer(v.Container, p) != nil {
		t.Fatalf("verified %+v by %s", v.Container, v.Key.Fingerprint())
	}
	if v.Statement.Subject[0].Name != SubjectImage || v.Statement.Subject[0].Digest["sha256"] != strings.Repeat("ab", 32) ||
		v.Statement.Subject[1].Digest["sha256"] != ConfigHash(json.RawMessage(`{"image":"x","tasks":{}}`)) {
		t.Errorf("subjects %+v", v.Statement.Subject)
	}
	t.Run("a flipped byte of the payload or signature is refused", func(t *testing.T) {
		for _, part := range []string{"payload", "sig"} {
			bad := *env
			bad.Signatures = append([]dsse.Signature(nil), env.Signatures...)
			target := &bad.Payload
			if part == "sig" {
				target = &bad.Signatures[0].Sig
			}
			raw, _ := base64.StdEncoding.DecodeString(*target)
			raw[len(raw)/2] ^= 1
			*target = base64.StdEncoding.EncodeToString(raw)
			if _, err := VerifyContainerEnvelope(ctx, &bad, []PublicKey{id.Public()}); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("%s flipped: %v", part, err)
			}
		}
	})
	t.Run("another key is refused", func(t *testing.T) {
		other, _ := NewIdentity()
		if _, err := VerifyContainerEnvelope(ctx, env, []PublicKey{other.Public()}); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("%v", err)
		}
	})
	t.Run("each differing hash is named", func(t *testing.T) {
		for field, change := range map[string]func(*ContainerPredicate){
			"image digest":          func(q *ContainerPredicate) { q.ImageDigest = strings.Repeat("ef", 32) },
			"config":                func(q *ContainerPredicate) { q.ConfigHash = ConfigHash(json.RawMessage(`{"image":"y"}`)) },
			"parameters":            func(q *ContainerPredicate) { q.ParametersHash = "" },
			"additional files hash": func(q *ContainerPredicate) { q.AdditionalFilesHash = strings.Repeat("00", 32) },
		} {
			q := p
			change(&q)
			err := SameContainer(v.Container, q)
			var e *medperf.Error
			if medperf.ErrorCode(err) != medperf.CodeInvalid || !errors.As(err, &e) || e.Field != "envelope" || !strings.Contains(e.Message, field) {
				t.Errorf("%s: %v", field, err)
			}
		}
	})
}

func TestAContainerStatementIsNotAResult(t *testing.T) {
	ctx := context.Background()
	p, id := containerFixture(t)
	env := signContainer(t, p, id)
	if _, err := VerifyEnvelope(ctx, env, []PublicKey{id.Public()}); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Errorf("a container envelope passed as a result: %v", err)
	}
}

func TestAContainerWithoutADigestCannotBeSigned(t *testing.T) {
	p, _ := containerFixture(t)
	p.ImageDigest = "docker.io/acme/model:1"
	_, err := NewContainerStatement(p)
	var e *medperf.Error
	if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "image_digest" {
		t.Errorf("%v", err)
	}
}

func TestConfigHashIsCanonical(t *testing.T) {
	a := ConfigHash(json.RawMessage(`{"b": 1.50, "a": "<x>"}`))
	b := ConfigHash(json.RawMessage(`{"a":"\u003cx\u003e","b":1.50}`))
	if a == "" || a != b {
		t.Errorf("the same config hashes to %q and %q", a, b)
	}
	if c := ConfigHash(json.RawMessage(`{"a":"<x>","b":1.5}`)); c == a {
		t.Error("a number written differently hashes the same: numbers must stay as written")
	}
	for _, empty := range []string{"", "null", " ", "{bad"} {
		if h := ConfigHash(json.RawMessage(empty)); h != "" {
			t.Errorf("ConfigHash(%q) = %q, want empty", empty, h)
		}
	}
}
