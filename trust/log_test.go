package trust

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/medperf/medperf"
)

// rfc6962Leaves and rfc6962Roots are the RFC 6962 test vectors also used by
// the Certificate Transparency and transparency-dev test suites: the leaf
// inputs and the root hash of the tree of each size 0..8.
var (
	rfc6962Leaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	rfc6962Roots  = []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
)

func vectorLeaves(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, h := range rfc6962Leaves {
		b, err := hex.DecodeString(h)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// MustLog appends leaves to a new in-memory log.
func MustLog(tb testing.TB, leaves [][]byte) *MemoryHashStore {
	tb.Helper()
	s := &MemoryHashStore{}
	for i, l := range leaves {
		if err := AppendLeaf(s, int64(i), l); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

func mustRoot(tb testing.TB, s *MemoryHashStore, size int64) Hash {
	tb.Helper()
	h, err := TreeHash(s, size)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestTreeHashKnownVectors(t *testing.T) {
	leaves := vectorLeaves(t)
	s := MustLog(t, leaves)
	for n, want := range rfc6962Roots {
		if got := mustRoot(t, s, int64(n)); hex.EncodeToString(got[:]) != want {
			t.Errorf("root of size %d = %x, want %s", n, got, want)
		}
	}
	root, err := RootOfLeaves(leaves)
	if err != nil || hex.EncodeToString(root[:]) != rfc6962Roots[8] {
		t.Fatalf("RootOfLeaves = %x, %v", root, err)
	}
	_, err = TreeHash(s, 9)
	wantCode(t, err, medperf.CodeNotFound)
	_, err = TreeHash(s, -1)
	wantCode(t, err, medperf.CodeInvalid)
}

func TestInclusionProofs(t *testing.T) {
	leaves := vectorLeaves(t)
	s := MustLog(t, leaves)
	for size := int64(1); size <= 8; size++ {
		root := mustRoot(t, s, size)
		for i := int64(0); i < size; i++ {
			p, err := ProveInclusion(s, i, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(p, i, size, root, leaves[i]); err != nil {
				t.Fatalf("leaf %d of %d: %v", i, size, err)
			}
			wantCode(t, VerifyInclusion(p, i, size, root, []byte("forged")), medperf.CodeConflict)
			if size > 1 {
				wantCode(t, VerifyInclusion(p, (i+1)%size, size, root, leaves[i]), medperf.CodeConflict)
			}
		}
	}
	_, err := ProveInclusion(s, 8, 8)
	wantCode(t, err, medperf.CodeInvalid)
	wantCode(t, VerifyInclusion(nil, 3, 2, Hash{}, nil), medperf.CodeInvalid)
}

func TestConsistencyProofs(t *testing.T) {
	s := MustLog(t, vectorLeaves(t))
	for n := int64(0); n <= 8; n++ {
		for m := n; m <= 8; m++ {
			p, err := ProveConsistency(s, n, m)
			if err != nil {
				t.Fatal(err)
			}
			oldRoot, newRoot := mustRoot(t, s, n), mustRoot(t, s, m)
			if err := VerifyConsistency(p, n, oldRoot, m, newRoot); err != nil {
				t.Fatalf("%d -> %d: %v", n, m, err)
			}
			if n > 0 && m > n {
				bad := oldRoot
				bad[0] ^= 1
				wantCode(t, VerifyConsistency(p, n, bad, m, newRoot), medperf.CodeConflict)
			}
		}
	}
	_, err := ProveConsistency(s, 5, 4)
	wantCode(t, err, medperf.CodeInvalid)
	wantCode(t, VerifyConsistency(nil, 5, Hash{}, 4, Hash{}), medperf.CodeConflict)
	wantCode(t, VerifyConsistency(nil, 4, mustRoot(t, s, 4), 4, mustRoot(t, s, 5)), medperf.CodeConflict)
	wantCode(t, VerifyConsistency(nil, -1, Hash{}, 4, Hash{}), medperf.CodeInvalid)
}

// TestTamperingIsCaught plays a database administrator who rewrites or
// deletes an entry and rebuilds the tree so that the server serves a
// self-consistent log: a client holding an earlier checkpoint notices.
func TestTamperingIsCaught(t *testing.T) {
	var leaves [][]byte
	for i := 0; i < 13; i++ {
		leaves = append(leaves, []byte(fmt.Sprintf("entry %d", i)))
	}
	honest := MustLog(t, leaves)
	const seen = 10 // the client's last checkpoint
	seenRoot := mustRoot(t, honest, seen)

	rebuildAndCheck := func(t *testing.T, forged [][]byte) {
		t.Helper()
		s := MustLog(t, forged)
		size := int64(len(forged))
		newRoot := mustRoot(t, s, size)
		p, err := ProveConsistency(s, min(seen, size), size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(p, seen, seenRoot, size, newRoot); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Fatalf("consistency with the old checkpoint: %v, want conflict", err)
		}
		// The client's own entry 4, checked against the new tree.
		ip, err := ProveInclusion(s, 4, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(ip, 4, size, newRoot, leaves[4]); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Fatalf("inclusion of the original entry 4: %v, want conflict", err)
		}
	}

	t.Run("rewritten entry", func(t *testing.T) {
		forged := append([][]byte(nil), leaves...)
		forged[4] = []byte("entry 4, better metrics")
		rebuildAndCheck(t, forged)
	})
	t.Run("deleted entry", func(t *testing.T) {
		forged := append(append([][]byte(nil), leaves[:4]...), leaves[5:]...)
		rebuildAndCheck(t, forged)
	})
	t.Run("rewritten row, tree left alone", func(t *testing.T) {
		// The hashes are intact but the row the server now serves differs.
		size := int64(len(leaves))
		root := mustRoot(t, honest, size)
		ip, err := ProveInclusion(honest, 4, size)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, VerifyInclusion(ip, 4, size, root, []byte("entry 4, better metrics")), medperf.CodeConflict)
	})
	t.Run("overwritten stored hash", func(t *testing.T) {
		// The stored hash of the subtree of entries 0..7, which the
		// consistency proof relies on.
		s := MustLog(t, leaves)
		s.hashes[tlog.StoredHashIndex(3, 0)][0] ^= 1
		size := int64(len(leaves))
		p, err := ProveConsistency(s, seen, size)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, VerifyConsistency(p, seen, seenRoot, size, mustRoot(t, s, size)), medperf.CodeConflict)
	})
}

func TestMemoryHashStoreIsAppendOnly(t *testing.T) {
	s := MustLog(t, vectorLeaves(t)[:3])
	wantCode(t, s.WriteHashes(0, []Hash{{}}), medperf.CodeConflict)
	wantCode(t, AppendLeaf(s, 1, []byte("again")), medperf.CodeConflict)
	wantCode(t, AppendLeaf(s, -1, nil), medperf.CodeInvalid)
}

func TestAppendLeafHashBuildsTheSameTree(t *testing.T) {
	leaves := vectorLeaves(t)
	byBytes := MustLog(t, leaves)
	byHash := &MemoryHashStore{}
	for i, l := range leaves {
		if err := AppendLeafHash(byHash, int64(i), LeafHash(l)); err != nil {
			t.Fatal(err)
		}
	}
	for size := int64(1); size <= int64(len(leaves)); size++ {
		if mustRoot(t, byHash, size) != mustRoot(t, byBytes, size) {
			t.Fatalf("size %d: roots differ", size)
		}
	}
	wantCode(t, AppendLeafHash(byHash, -1, Hash{}), medperf.CodeInvalid)
	wantCode(t, AppendLeafHash(byHash, 2, Hash{}), medperf.CodeConflict)
}

func TestAuditLeafIsCanonical(t *testing.T) {
	e := medperf.AuditEvent{
		ID: 7, Actor: 2, Action: medperf.ActionApprove, EntityType: "dataset", EntityID: 9,
		Changes: json.RawMessage(`{ "state" : "OPERATION", "note":"<&>" }`),
		Time:    time.Date(2026, 11, 30, 15, 4, 5, 123456789, time.FixedZone("CET", 3600)),
	}
	got, err := AuditLeaf(e)
	if err != nil {
		t.Fatal(err)
	}
	want := "medperf/audit/v1\n" + `{"id":7,"actor":2,"action":"approve","entity_type":"dataset","entity_id":9,"changes":{"state":"OPERATION","note":"<&>"},"time":"2026-11-30T14:04:05.123456Z"}`
	if string(got) != want {
		t.Fatalf("AuditLeaf =\n%s\nwant\n%s", got, want)
	}
	e.Changes = nil
	got, err = AuditLeaf(e)
	if err != nil || string(got[len(got)-50:]) == "" || !json.Valid(got[len("medperf/audit/v1\n"):]) {
		t.Fatalf("AuditLeaf without changes = %s, %v", got, err)
	}
	e.Changes = json.RawMessage(`{"a":`)
	_, err = AuditLeaf(e)
	wantCode(t, err, medperf.CodeInvalid)
}

func TestResultLeaf(t *testing.T) {
	env := MustEnvelope(t, MustIdentity(t))
	leaf, err := ResultLeaf(env)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := MarshalEnvelope(env)
	if string(leaf) != "medperf/result/v1\n"+string(raw) {
		t.Fatalf("ResultLeaf = %s", leaf)
	}
	parsed, err := ParseEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ResultLeaf(parsed)
	if string(again) != string(leaf) {
		t.Fatal("a parsed envelope gives another leaf")
	}
	if _, err := VerifyEnvelope(context.Background(), parsed, []PublicKey{MustIdentity(t).Public()}); err == nil {
		t.Fatal("verified with a stranger's key")
	}
	_, err = ResultLeaf(&Envelope{PayloadType: "x"})
	wantCode(t, err, medperf.CodeInvalid)
}
