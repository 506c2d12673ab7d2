package trust

import (
	"context"
	"testing"

	"github.com/medperf/medperf"
)

// FuzzParseEnvelope: any input either fails with CodeInvalid/CodeTooLarge
// or parses into an envelope that re-marshals to the same canonical leaf and
// never verifies against a key that did not sign it.
func FuzzParseEnvelope(f *testing.F) {
	id := MustIdentity(f)
	raw, err := MarshalEnvelope(MustEnvelope(f, id))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"AA=="}]}`))
	f.Add([]byte(`{}`))
	stranger := MustIdentity(f).Public()
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope(data)
		if err != nil {
			if c := medperf.ErrorCode(err); c != medperf.CodeInvalid && c != medperf.CodeTooLarge {
				t.Fatalf("code %q for %v", c, err)
			}
			return
		}
		if _, err := ResultLeaf(env); err != nil {
			t.Fatalf("a parsed envelope has no leaf: %v", err)
		}
		if _, err := VerifyEnvelope(context.Background(), env, []PublicKey{stranger}); err == nil {
			t.Fatal("verified with a key that signed nothing")
		}
		if _, err := VerifyEnvelope(context.Background(), env, []PublicKey{id.Public()}); err != nil && medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("verification failed with code %q: %v", medperf.ErrorCode(err), err)
		}
	})
}

// FuzzParseStatement: the statement parser refuses or accepts, never panics.
func FuzzParseStatement(f *testing.F) {
	st, err := NewResultStatement(samplePredicate())
	if err != nil {
		f.Fatal(err)
	}
	body, _ := marshalCanonical(st)
	f.Add(body)
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := ParseStatement(data); err != nil && medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("code %q for %v", medperf.ErrorCode(err), err)
		}
	})
}

// FuzzOpenCheckpoint: checkpoint notes and bodies never panic the parsers.
func FuzzOpenCheckpoint(f *testing.F) {
	s := MustCheckpointSigner(f, "log.example")
	msg, err := s.SignCheckpoint(Checkpoint{Origin: "log.example", Size: 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(msg)
	f.Add([]byte("log.example\n1\nAAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseCheckpoint(data)
		if c, err := OpenCheckpoint(data, s.VerifierKey()); err == nil && c.Origin != "log.example" {
			t.Fatalf("opened a checkpoint of another log: %+v", c)
		}
	})
}
