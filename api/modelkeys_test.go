package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

// modelKeys is the path of the World's model's access routes.
func modelKeys(w *medperftest.World, rest string) string {
	return fmt.Sprintf("/benchmarks/%d/models/%d/%s", w.Benchmark.ID, w.Model.ID, rest)
}

// grantBody has the World ready for a grant to its data owner and returns
// the body of one, wrapped with text(identity).
func grantBody(t *testing.T, w *medperftest.World, text func(*trust.Identity) string) medperf.ModelKeyInput {
	id := w.MustGrantable(t)
	return medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: text(id)}
}

func wrapped(t *testing.T) func(*trust.Identity) string {
	return func(id *trust.Identity) string { return medperftest.MustWrap(t, id) }
}

// The access grant routes' rows of the permission matrix: the model's owner
// is the entity owner.
func init() {
	granted := func(t *testing.T, w *medperftest.World) {
		w.MustGrant(t, w.MustGrantable(t))
	}
	matrix = append(matrix,
		permission{"GET /benchmarks/{id}/models/{component}/access", func(t *testing.T, w *medperftest.World) cell {
			granted(t, w)
			return cell{owner: w.ModelOwner, path: modelKeys(w, "access")}
		}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
		permission{"GET /benchmarks/{id}/models/{component}/access | a container that is not a model", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/models/%d/access", w.Benchmark.ID, w.Evaluator.ID)}
		}, [7]int{anon, nf, nf, nf, nf, nf, nf}},
		permission{"PATCH /benchmarks/{id}/models/{component}/access", on(mOwner, func(w *medperftest.World) string { return modelKeys(w, "access") },
			func(*medperftest.World) any { return medperf.ModelAccessPatch{AutoGrant: ptr(true)} }),
			[7]int{anon, no, ok, no, ok, no, no}},
		permission{"POST /benchmarks/{id}/models/{component}/keys", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys"), body: grantBody(t, w, wrapped(t))}
		}, [7]int{anon, no, made, no, made, no, no}},
		permission{"POST /benchmarks/{id}/models/{component}/keys | to a user without an approved dataset", func(t *testing.T, w *medperftest.World) cell {
			w.MustGrantable(t)
			id := medperftest.MustIdentity(t, w.Stranger)
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys"), body: medperf.ModelKeyInput{UserID: w.Stranger.ID, WrappedKey: medperftest.MustWrap(t, id)}}
		}, [7]int{anon, no, conflict, no, conflict, no, no}},
		permission{"POST /benchmarks/{id}/models/{component}/keys | a model not approved in the benchmark", func(t *testing.T, w *medperftest.World) cell {
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
			id := medperftest.MustIdentity(t, w.DataOwner)
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys"), body: medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: medperftest.MustWrap(t, id)}}
		}, [7]int{anon, no, conflict, no, conflict, no, no}},
		permission{"POST /benchmarks/{id}/models/{component}/keys | not an age file", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys"), body: grantBody(t, w, func(*trust.Identity) string { return string(medperftest.ModelSecret) })}
		}, [7]int{anon, no, bad, no, bad, no, no}},
		permission{"POST /benchmarks/{id}/models/{component}/keys | wrapped for a key the user did not register", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys"), body: grantBody(t, w, func(*trust.Identity) string {
				return medperftest.MustWrap(t, medperftest.Must[*trust.Identity](t)(trust.NewIdentity()))
			})}
		}, [7]int{anon, no, bad, no, bad, no, no}},
		permission{"DELETE /benchmarks/{id}/models/{component}/keys", func(t *testing.T, w *medperftest.World) cell {
			granted(t, w)
			return cell{owner: w.ModelOwner, path: modelKeys(w, "keys")}
		}, [7]int{anon, no, ok, no, ok, no, no}},
		permission{"GET /benchmarks/{id}/models/{component}/keys/{user}", func(t *testing.T, w *medperftest.World) cell {
			granted(t, w)
			return cell{owner: w.DataOwner, path: modelKeys(w, fmt.Sprintf("keys/%d", w.DataOwner.ID))}
		}, [7]int{anon, no, ok, no, no, ok, no}},
		permission{"GET /benchmarks/{id}/models/{component}/keys/{user} | a bad user id", func(t *testing.T, w *medperftest.World) cell {
			return cell{owner: w.DataOwner, path: modelKeys(w, "keys/0")}
		}, [7]int{bad, bad, bad, bad, bad, bad, bad}},
		permission{"DELETE /benchmarks/{id}/models/{component}/keys/{user}", func(t *testing.T, w *medperftest.World) cell {
			granted(t, w)
			return cell{owner: w.ModelOwner, path: modelKeys(w, fmt.Sprintf("keys/%d", w.DataOwner.ID))}
		}, [7]int{anon, no, ok, no, ok, no, no}},
		permission{"DELETE /benchmarks/{id}/models/{component}/keys/{user} | a user without a grant", func(t *testing.T, w *medperftest.World) cell {
			w.MustGrantable(t)
			return cell{owner: w.ModelOwner, path: modelKeys(w, fmt.Sprintf("keys/%d", w.DataOwner.ID))}
		}, [7]int{anon, no, nf, no, nf, no, no}},
	)
}

// TestModelKeysOverTheAPI grants through the client and checks what each
// side reads back: the owner the grant without its text, the data owner
// the text, which its identity unwraps; the wrapped text and the secret
// appear in no response but the data owner's own.
func TestModelKeysOverTheAPI(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	id := w.MustGrantable(t)
	k := w.MustGrant(t, id)
	if k.WrappedKey != "" || k.Fingerprints[0] != id.Public().Fingerprint() {
		t.Fatalf("grant %+v", k)
	}
	mine, err := w.DataOwner.GetModelKey(ctx, w.Benchmark.ID, w.Model.ID, w.DataOwner.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := trust.UnwrapSecret([]byte(mine.WrappedKey), id)
	if err != nil || string(secret) != string(medperftest.ModelSecret) {
		t.Fatalf("unwrapped %q, %v", secret, err)
	}
	access := call(t, "GET", ts.URL()+api.Prefix+modelKeys(w, "access"), w.ModelOwner.Token, nil)
	if access.status != 200 || strings.Contains(string(access.body), "AGE ENCRYPTED") || strings.Contains(string(access.body), string(medperftest.ModelSecret)) {
		t.Fatalf("the owner's access view: %d %s", access.status, access.body)
	}
	t.Run("a wrapped key over its limit but under the body limit is invalid, naming the field", func(t *testing.T) {
		in := medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: medperf.WrappedKeyHeader + strings.Repeat("A", medperf.MaxWrappedKey)}
		got := call(t, "POST", ts.URL()+api.Prefix+modelKeys(w, "keys"), w.ModelOwner.Token, in)
		if got.status != 400 || got.err.Field != "wrapped_key" {
			t.Fatalf("%d %+v", got.status, got.err)
		}
	})
	t.Run("a body over the API's limit is too large", func(t *testing.T) {
		in := medperf.ModelKeyInput{UserID: w.DataOwner.ID, WrappedKey: strings.Repeat("A", 4<<20)}
		got := call(t, "POST", ts.URL()+api.Prefix+modelKeys(w, "keys"), w.ModelOwner.Token, in)
		if got.status != 413 || got.err.Code != medperf.CodeTooLarge {
			t.Fatalf("%d %+v", got.status, got.err)
		}
	})
	t.Run("a benchmark that does not exist", func(t *testing.T) {
		got := call(t, "GET", ts.URL()+api.Prefix+fmt.Sprintf("/benchmarks/999999/models/%d/access", w.Model.ID), w.ModelOwner.Token, nil)
		if got.status != 404 || got.err.Code != medperf.CodeNotFound {
			t.Fatalf("%d %+v", got.status, got.err)
		}
	})
}
