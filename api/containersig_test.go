package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// tamper flips one byte of an envelope's payload.
func tamper(t *testing.T, raw json.RawMessage) json.RawMessage {
	t.Helper()
	var env trust.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	p, _ := base64.StdEncoding.DecodeString(env.Payload)
	p[len(p)/2] ^= 1
	env.Payload = base64.StdEncoding.EncodeToString(p)
	out, _ := json.Marshal(env)
	return out
}

// TestSignedContainers checks that the registry keeps a container's
// signature only when it verifies against the owner's keys and is about
// the container's hashes, serves it with the container, and drops it when
// an edit changes what was signed.
func TestSignedContainers(t *testing.T) {
	t.Run("on SQLite", func(t *testing.T) { testSignedContainers(t, medperftest.NewServer(t)) })
	t.Run("on PostgreSQL", func(t *testing.T) { testSignedContainers(t, medperftest.NewServer(t, medperftest.WithPostgres(t))) })
}

func testSignedContainers(t *testing.T, ts *medperftest.TestServer) {
	w := ts.World(t)
	key := medperftest.MustIdentity(t, w.ModelOwner)
	base := ts.URL() + "/api/v1"
	signedInput := func(name string) medperf.ContainerInput {
		in := medperftest.ContainerInput(name, medperf.StateDevelopment, medperf.TaskInfer)
		in.Envelope = medperftest.SignContainer(t, key, in)
		return in
	}
	t.Run("a signed container is served with its envelope and key", func(t *testing.T) {
		got := call(t, "POST", base+"/containers", w.ModelOwner.Token, signedInput("signed-a"))
		var c medperf.Container
		if got.status != http.StatusCreated || json.Unmarshal(got.body, &c) != nil {
			t.Fatalf("status %d: %s", got.status, got.body)
		}
		read := medperftest.Must[*medperf.Container](t)(w.Stranger.GetContainer(ctx, c.ID))
		if read.SignedBy != key.Public().Fingerprint() || len(read.Envelope) == 0 {
			t.Fatalf("served signed_by %q, envelope %d bytes", read.SignedBy, len(read.Envelope))
		}
	})
	refusals := []struct {
		name string
		in   func() medperf.ContainerInput
	}{
		{"a tampered envelope", func() medperf.ContainerInput {
			in := signedInput("tampered")
			in.Envelope = tamper(t, in.Envelope)
			return in
		}},
		{"an envelope about another image", func() medperf.ContainerInput {
			in := signedInput("other-image")
			in.ImageHash = "sha256:" + medperftest.Hash("another image")
			return in
		}},
		{"an envelope about another config", func() medperf.ContainerInput {
			in := signedInput("other-config")
			in.Config = json.RawMessage(strings.Replace(string(in.Config), ":1", ":2", 1)) // another image tag
			return in
		}},
		{"an envelope about other parameters", func() medperf.ContainerInput {
			in := signedInput("other-parameters")
			in.Parameters = json.RawMessage(`{"threshold": 0.9}`)
			return in
		}},
		{"an envelope by a key the owner never registered", func() medperf.ContainerInput {
			in := medperftest.ContainerInput("stranger-key", medperf.StateDevelopment, medperf.TaskInfer)
			in.Envelope = medperftest.SignContainer(t, medperftest.Must[*trust.Identity](t)(trust.NewIdentity()), in)
			return in
		}},
		{"a result envelope", func() medperf.ContainerInput {
			in := medperftest.ContainerInput("result-envelope", medperf.StateDevelopment, medperf.TaskInfer)
			in.Envelope = medperftest.Sign(t, key, medperf.ResultInput{BenchmarkID: 1, ModelID: 1, DatasetID: 1, Metrics: json.RawMessage(`{"a":1}`)}).Envelope
			return in
		}},
		{"an envelope that is not JSON", func() medperf.ContainerInput {
			in := medperftest.ContainerInput("not-json", medperf.StateDevelopment, medperf.TaskInfer)
			in.Envelope = json.RawMessage(`"garbage"`)
			return in
		}},
	}
	for _, tt := range refusals {
		t.Run(tt.name+" is refused and nothing is stored", func(t *testing.T) {
			in := tt.in()
			got := call(t, "POST", base+"/containers", w.ModelOwner.Token, in)
			if got.status != http.StatusBadRequest || got.err.Code != medperf.CodeInvalid || got.err.Field != "envelope" {
				t.Fatalf("status %d, error %+v; want 400 invalid on envelope", got.status, got.err)
			}
			if l := medperftest.Must[*medperf.List[medperf.Container]](t)(w.Admin.ListContainers(ctx, medperf.ContainerFilter{Name: in.Name})); l.Total != 0 {
				t.Fatal("the refused container was registered")
			}
		})
	}
	t.Run("signing a registered container", func(t *testing.T) {
		in := medperftest.ContainerInput("sign-later", medperf.StateDevelopment, medperf.TaskInfer)
		c := medperftest.MustContainer(t, w.ModelOwner, in)
		path := fmt.Sprintf("%s/containers/%d/signature", base, c.ID)
		env := medperftest.SignContainer(t, key, c.Input())
		if got := call(t, "PUT", path, w.Admin.Token, medperf.ContainerSignature{Envelope: env}); got.status != http.StatusForbidden {
			t.Errorf("an admin signs for the owner: status %d", got.status)
		}
		if got := call(t, "PUT", path, w.ModelOwner.Token, medperf.ContainerSignature{Envelope: tamper(t, env)}); got.status != http.StatusBadRequest || got.err.Field != "envelope" {
			t.Errorf("a tampered signature: status %d, %+v", got.status, got.err)
		}
		if got := call(t, "PUT", path, w.ModelOwner.Token, medperf.ContainerSignature{}); got.status != http.StatusBadRequest || got.err.Field != "envelope" {
			t.Errorf("no envelope: status %d, %+v", got.status, got.err)
		}
		if c := medperftest.Must[*medperf.Container](t)(w.Stranger.GetContainer(ctx, c.ID)); c.SignedBy != "" {
			t.Fatal("a refused signature was stored")
		}
		if got := call(t, "PUT", path, w.ModelOwner.Token, medperf.ContainerSignature{Envelope: env}); got.status != http.StatusOK {
			t.Fatalf("the owner signs: status %d %s", got.status, got.body)
		}
		if c := medperftest.Must[*medperf.Container](t)(w.Stranger.GetContainer(ctx, c.ID)); c.SignedBy != key.Public().Fingerprint() {
			t.Fatalf("signed_by %q after signing", c.SignedBy)
		}
		t.Run("an edit of what was signed drops the signature", func(t *testing.T) {
			medperftest.Must[*medperf.Container](t)(w.ModelOwner.UpdateContainer(ctx, c.ID, medperf.ContainerPatch{ImageHash: medperftest.Ptr("sha256:" + medperftest.Hash("new image"))}))
			if c := medperftest.Must[*medperf.Container](t)(w.Stranger.GetContainer(ctx, c.ID)); c.SignedBy != "" || len(c.Envelope) != 0 {
				t.Fatalf("the signature outlived the new image: %q", c.SignedBy)
			}
		})
	})
}
