package trust_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medperf/medperf/trust"
)

// Example shows the flow the CLI and the server will wire: a site signs a
// result, the server verifies it against the site's registered key, appends
// it to the log and signs a checkpoint; the site later checks that its
// result is in the log and that the log only grew.
func Example() {
	ctx := context.Background()
	site, _ := trust.NewIdentity()
	server, _ := trust.NewIdentity()
	h := func(c string) string { return "sha256:" + fmt.Sprintf("%064s", c) }

	// The site (result submit).
	st, err := trust.NewResultStatement(trust.ResultPredicate{
		Benchmark:      1,
		Dataset:        trust.DatasetClaim{ID: 2, Hash: h("d")},
		Model:          trust.ContainerClaim{ID: 3, ImageDigest: h("a"), ConfigHash: h("b")},
		Evaluator:      trust.ContainerClaim{ID: 4, ImageDigest: h("c"), ConfigHash: h("e")},
		Preparator:     trust.ContainerClaim{ID: 5, ImageDigest: h("f"), ConfigHash: h("1")},
		Metrics:        json.RawMessage(`{"dice": 0.9}`),
		MedperfVersion: "dev",
		Time:           time.Now(),
	})
	if err != nil {
		panic(err)
	}
	env, _ := trust.SignStatement(ctx, st, site)
	raw, _ := trust.MarshalEnvelope(env)

	// The server (POST result): parse, verify against the submitter's keys,
	// append the leaf, sign a checkpoint.
	parsed, _ := trust.ParseEnvelope(raw)
	v, err := trust.VerifyEnvelope(ctx, parsed, []trust.PublicKey{site.Public()})
	fmt.Println("verified:", err == nil, v.Key.Fingerprint() == site.Public().Fingerprint())
	store := &trust.MemoryHashStore{}
	leaf, _ := trust.ResultLeaf(parsed)
	_ = trust.AppendLeaf(store, 0, []byte("an earlier audit event"))
	_ = trust.AppendLeaf(store, 1, leaf)
	root, _ := trust.TreeHash(store, 2)
	signer, _ := trust.NewCheckpointSigner("registry.example.org/medperf", server)
	note, _ := signer.SignCheckpoint(trust.Checkpoint{Origin: signer.Name(), Size: 2, Root: root})

	// The site (audit verify), with the verifier key pinned at login.
	cp, err := trust.OpenCheckpoint(note, signer.VerifierKey())
	fmt.Println("checkpoint:", err == nil, cp.Size)
	proof, _ := trust.ProveInclusion(store, 1, cp.Size)
	myLeaf, _ := trust.ResultLeaf(env)
	fmt.Println("included:", trust.VerifyInclusion(proof, 1, cp.Size, cp.Root, myLeaf) == nil)
	// Output:
	// verified: true true
	// checkpoint: true 2
	// included: true
}
