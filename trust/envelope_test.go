package trust

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/medperf/medperf"
)

const (
	hexA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hexB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	hexC = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

func samplePredicate() ResultPredicate {
	return ResultPredicate{
		Benchmark:      3,
		Dataset:        DatasetClaim{ID: 9, Hash: "sha256:" + hexA},
		Model:          ContainerClaim{ID: 4, ImageDigest: "sha256:" + hexB, ConfigHash: hexC},
		Evaluator:      ContainerClaim{ID: 2, ImageDigest: hexC, ConfigHash: hexA},
		Preparator:     ContainerClaim{ID: 1, ImageDigest: hexA, ConfigHash: hexB},
		Metrics:        json.RawMessage(`{"dice": 0.91, "cases": 120, "note": "<b>&"}`),
		MedperfVersion: "0.3.0",
		Time:           time.Date(2026, 11, 30, 14, 0, 0, 500, time.FixedZone("x", 3600)),
	}
}

// MustEnvelope signs the sample result with id.
func MustEnvelope(tb testing.TB, id *Identity) *Envelope {
	tb.Helper()
	st, err := NewResultStatement(samplePredicate())
	if err != nil {
		tb.Fatal(err)
	}
	env, err := SignStatement(context.Background(), st, id)
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

func TestSignVerifyResult(t *testing.T) {
	id, other := MustIdentity(t), MustIdentity(t)
	env := MustEnvelope(t, id)
	if env.PayloadType != PayloadType || len(env.Signatures) != 1 || env.Signatures[0].KeyID != id.Public().Fingerprint() {
		t.Fatalf("envelope header = %+v", env)
	}
	v, err := VerifyEnvelope(context.Background(), env, []PublicKey{other.Public(), id.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Key.Equal(id.Public()) {
		t.Fatal("VerifyEnvelope named the wrong key")
	}
	p := v.Result
	if p.Dataset.Hash != hexA || p.Model.ImageDigest != hexB || p.Benchmark != 3 || p.Evaluator.ID != 2 || p.Preparator.ConfigHash != hexB {
		t.Fatalf("predicate = %+v", p)
	}
	if !p.Time.Equal(time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)) || p.Time.Location() != time.UTC {
		t.Fatalf("time = %v, want 13:00:00 UTC", p.Time)
	}
	if string(p.Metrics) != `{"dice":0.91,"cases":120,"note":"<b>&"}` {
		t.Fatalf("metrics = %s", p.Metrics)
	}
	if !SameMetrics(p.Metrics, samplePredicate().Metrics) || SameMetrics(p.Metrics, json.RawMessage(`{"dice":0.92,"cases":120,"note":"<b>&"}`)) {
		t.Fatal("SameMetrics disagrees")
	}
	subj := v.Statement.Subject
	if len(subj) != 2 || subj[0].Name != "medperf:dataset/9" || subj[0].Digest["sha256"] != hexA || subj[1].Name != "medperf:model/4" || subj[1].Digest["sha256"] != hexB {
		t.Fatalf("subjects = %+v", subj)
	}
}

func TestVerifyEnvelopeRefusesOtherKey(t *testing.T) {
	env := MustEnvelope(t, MustIdentity(t))
	_, err := VerifyEnvelope(context.Background(), env, []PublicKey{MustIdentity(t).Public()})
	wantCode(t, err, medperf.CodeInvalid)
	_, err = VerifyEnvelope(context.Background(), env, nil)
	wantCode(t, err, medperf.CodeInvalid)
	_, err = VerifyEnvelope(context.Background(), nil, nil)
	wantCode(t, err, medperf.CodeInvalid)
}

// flipB64 decodes s, flips one bit of byte i and re-encodes it.
func flipB64(tb testing.TB, s string, i int) string {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	b[i%len(b)] ^= 0x01
	return base64.StdEncoding.EncodeToString(b)
}

func TestVerifyEnvelopeRefusesFlippedBytes(t *testing.T) {
	id := MustIdentity(t)
	keys := []PublicKey{id.Public()}
	orig := MustEnvelope(t, id)
	payloadLen := len(mustB64(t, orig.Payload))
	for i := 0; i < payloadLen; i += 7 {
		env := *orig
		env.Payload = flipB64(t, orig.Payload, i)
		if _, err := VerifyEnvelope(context.Background(), &env, keys); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("payload byte %d flipped: error %v, want invalid", i, err)
		}
	}
	for i := 0; i < 64; i++ {
		env := *orig
		env.Signatures = []dsse.Signature{{KeyID: orig.Signatures[0].KeyID, Sig: flipB64(t, orig.Signatures[0].Sig, i)}}
		if _, err := VerifyEnvelope(context.Background(), &env, keys); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("signature byte %d flipped: error %v, want invalid", i, err)
		}
	}
	// A flipped character in the envelope's JSON text must not verify
	// either, wherever it falls (every third byte, to stay fast under -race).
	raw, err := MarshalEnvelope(orig)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(raw); i += 3 {
		b := []byte(string(raw))
		b[i] ^= 0x01
		env, err := ParseEnvelope(b)
		if err != nil {
			continue
		}
		if _, err := VerifyEnvelope(context.Background(), env, keys); err == nil {
			t.Fatalf("byte %d of the envelope JSON flipped and it still verifies", i)
		}
	}
}

func mustB64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// signRaw signs body under payloadType without medperf's checks, as an
// attacker or another tool could.
func signRaw(tb testing.TB, id *Identity, payloadType string, body []byte) *Envelope {
	tb.Helper()
	s, err := dsse.NewEnvelopeSigner(dsseKey{id: id, pub: id.Public()})
	if err != nil {
		tb.Fatal(err)
	}
	env, err := s.SignPayload(context.Background(), payloadType, body)
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

func TestVerifyEnvelopeRefusesWrongTypes(t *testing.T) {
	id := MustIdentity(t)
	keys := []PublicKey{id.Public()}
	st, err := NewResultStatement(samplePredicate())
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(st)
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	cases := map[string]*Envelope{
		"payload type":    signRaw(t, id, "application/json", good),
		"statement type":  signRaw(t, id, PayloadType, edit(func(m map[string]any) { m["_type"] = "https://in-toto.io/Statement/v0.1" })),
		"predicate type":  signRaw(t, id, PayloadType, edit(func(m map[string]any) { m["predicateType"] = "https://slsa.dev/provenance/v1" })),
		"subject swapped": signRaw(t, id, PayloadType, edit(func(m map[string]any) { s := m["subject"].([]any); s[0], s[1] = s[1], s[0] })),
		"extra field":     signRaw(t, id, PayloadType, edit(func(m map[string]any) { m["extra"] = 1 })),
		"no metrics":      signRaw(t, id, PayloadType, edit(func(m map[string]any) { delete(m["predicate"].(map[string]any), "metrics") })),
		"prefixed digest": signRaw(t, id, PayloadType, edit(func(m map[string]any) {
			m["predicate"].(map[string]any)["dataset"].(map[string]any)["hash"] = "sha256:" + hexA
		})),
		"not JSON": signRaw(t, id, PayloadType, []byte("hello")),
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := VerifyEnvelope(context.Background(), env, keys)
			wantCode(t, err, medperf.CodeInvalid)
		})
	}
}

func TestNewResultStatementRefusesBadInput(t *testing.T) {
	cases := map[string]func(p *ResultPredicate){
		"benchmark":        func(p *ResultPredicate) { p.Benchmark = 0 },
		"dataset id":       func(p *ResultPredicate) { p.Dataset.ID = -1 },
		"dataset hash":     func(p *ResultPredicate) { p.Dataset.Hash = "abc" },
		"model digest":     func(p *ResultPredicate) { p.Model.ImageDigest = strings.ToUpper(hexA) },
		"evaluator config": func(p *ResultPredicate) { p.Evaluator.ConfigHash = "" },
		"preparator id":    func(p *ResultPredicate) { p.Preparator.ID = 0 },
		"metrics array":    func(p *ResultPredicate) { p.Metrics = json.RawMessage(`[1]`) },
		"metrics invalid":  func(p *ResultPredicate) { p.Metrics = json.RawMessage(`{"a":`) },
		"no version":       func(p *ResultPredicate) { p.MedperfVersion = "" },
		"no time":          func(p *ResultPredicate) { p.Time = time.Time{} },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			p := samplePredicate()
			f(&p)
			_, err := NewResultStatement(p)
			wantCode(t, err, medperf.CodeInvalid)
		})
	}
}

func TestParseEnvelopeRefuses(t *testing.T) {
	raw, err := MarshalEnvelope(MustEnvelope(t, MustIdentity(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEnvelope(raw); err != nil {
		t.Fatalf("canonical envelope refused: %v", err)
	}
	env := func(payloadType, payload, sig string) string {
		b, _ := json.Marshal(map[string]any{"payloadType": payloadType, "payload": payload, "signatures": []map[string]string{{"keyid": "", "sig": sig}}})
		return string(b)
	}
	good := base64.StdEncoding.EncodeToString([]byte("{}"))
	cases := map[string]string{
		"empty":            "",
		"not JSON":         "hello",
		"trailing":         string(raw) + "{}",
		"unknown field":    strings.Replace(string(raw), `"payloadType"`, `"x":1,"payloadType"`, 1),
		"wrong type":       env("text/plain", good, good),
		"url base64":       env(PayloadType, base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff}), good),
		"unpadded":         env(PayloadType, base64.RawStdEncoding.EncodeToString([]byte("{}")), good),
		"stray bits":       env(PayloadType, "e30=", "AB=="),
		"no signatures":    `{"payloadType":"` + PayloadType + `","payload":"` + good + `","signatures":[]}`,
		"signatures wrong": `{"payloadType":"` + PayloadType + `","payload":"` + good + `","signatures":{}}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseEnvelope([]byte(text))
			wantCode(t, err, medperf.CodeInvalid)
		})
	}
	_, err = ParseEnvelope(make([]byte, MaxEnvelopeSize+1))
	wantCode(t, err, medperf.CodeTooLarge)
}

// TestInteropOpenSSLVerifiesEnvelope checks a signature the way docs/trust.md
// tells outsiders to: rebuild the DSSE pre-authentication encoding and verify
// it with openssl against the key's PEM.
func TestInteropOpenSSLVerifiesEnvelope(t *testing.T) {
	openssl := needTool(t, "openssl")
	id := MustIdentity(t)
	env := MustEnvelope(t, id)
	dir := t.TempDir()
	body := mustB64(t, env.Payload)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pae := write("pae", dsse.PAE(env.PayloadType, body))
	sig := write("sig", mustB64(t, env.Signatures[0].Sig))
	pub := write("pub.pem", []byte(id.Public().PEM()))
	cmd := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", pae, "-sigfile", sig)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl refused a good signature: %v\n%s", err, out)
	}
	write("pae", append(dsse.PAE(env.PayloadType, body), ' '))
	if err := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", pae, "-sigfile", sig).Run(); err == nil {
		t.Fatal("openssl accepted a signature over altered bytes")
	}
}
