package api_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// newPublicKey returns a fresh ed25519 public key line.
func newPublicKey(t *testing.T) string {
	t.Helper()
	id, err := trust.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Public().AuthorizedKey()
}

// mustRegisterKey registers a fresh key for u and returns it.
func mustRegisterKey(t *testing.T, u medperftest.User) *medperf.Key {
	t.Helper()
	k, err := u.Service.RegisterKey(ctx, medperf.KeyInput{PublicKey: newPublicKey(t), Name: "site"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The key and log routes' rows of the permission matrix.
func init() {
	matrix = append(matrix,
		permission{"GET /me/keys", on(stranger, fixed("/me/keys"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
		permission{"POST /me/keys", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.Stranger, path: "/me/keys", body: medperf.KeyInput{PublicKey: newPublicKey(t)}}
		}, [7]int{anon, made, made, made, made, made, made}},
		permission{"POST /me/keys | not an ed25519 key", on(stranger, fixed("/me/keys"), func(*medperftest.World) any {
			return medperf.KeyInput{PublicKey: "ssh-rsa AAAAB3NzaC1yc2E"}
		}), [7]int{anon, bad, bad, bad, bad, bad, bad}},
		permission{"DELETE /me/keys/{id}", func(t *testing.T, w *medperftest.World) cell {
			owner := w.NewUser(t, "key-owner")
			k := mustRegisterKey(t, owner)
			return cell{owner: owner, path: fmt.Sprintf("/me/keys/%d", k.ID)}
		}, [7]int{anon, nf, ok, nf, nf, nf, ok}},
		permission{"GET /users/{id}/keys", func(t *testing.T, w *medperftest.World) cell {
			mustRegisterKey(t, w.DataOwner)
			return cell{owner: w.DataOwner, path: fmt.Sprintf("/users/%d/keys", w.DataOwner.ID)}
		}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/key", on(stranger, fixed("/log/key"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/checkpoint", on(stranger, fixed("/log/checkpoint"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/proof/inclusion", on(stranger, fixed("/log/proof/inclusion?index=0&size=1"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/proof/inclusion | beyond the log", on(stranger, fixed("/log/proof/inclusion?index=0&size=99999999"), nil), [7]int{bad, bad, bad, bad, bad, bad, bad}},
		permission{"GET /log/proof/consistency", on(stranger, fixed("/log/proof/consistency?from=1&to=2"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/proof/consistency | backwards", on(stranger, fixed("/log/proof/consistency?from=2&to=1"), nil), [7]int{bad, bad, bad, bad, bad, bad, bad}},
		permission{"GET /log/leaves", on(stranger, fixed("/log/leaves?start=0&count=10"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
		permission{"GET /log/leaves | too many", on(stranger, fixed("/log/leaves?start=0&count=100000"), nil), [7]int{bad, bad, bad, bad, bad, bad, bad}},
	)
}

// TestKeysOverTheAPI checks that a key registered through the client is
// listed for its owner and for others, in canonical form, and that the log
// key the server serves is a valid checkpoint verifier key.
func TestKeysOverTheAPI(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	k := mustRegisterKey(t, w.DataOwner)
	keys, err := w.Stranger.Service.ListKeys(ctx, w.DataOwner.ID)
	if err != nil || len(keys) != 1 || keys[0].Fingerprint != k.Fingerprint {
		t.Fatalf("keys %+v, %v", keys, err)
	}
	info, err := ts.Client(t, "").LogKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := trust.ParsePublicKey(info.PublicKey)
	if err != nil || pub.Fingerprint() != info.Fingerprint {
		t.Fatalf("log key %+v: %v", info, err)
	}
	if want, _ := trust.CheckpointVerifierKey(info.Origin, pub); want != info.VerifierKey {
		t.Fatalf("verifier key %q, want %q", info.VerifierKey, want)
	}
}
