package trust

import "testing"

// TestRootOfLeafHashes checks that the root from leaf hashes is the root
// from the leaves themselves, for every size up to 9 (odd and even trees).
func TestRootOfLeafHashes(t *testing.T) {
	var leaves [][]byte
	var hashes []Hash
	for n := 0; n <= 9; n++ {
		want, err := RootOfLeaves(leaves)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RootOfLeafHashes(hashes)
		if err != nil || got != want {
			t.Fatalf("size %d: root %v, want %v (%v)", n, got, want, err)
		}
		leaf := []byte{byte(n), 'x'}
		leaves, hashes = append(leaves, leaf), append(hashes, LeafHash(leaf))
	}
	hashes[3][0] ^= 1
	bad, _ := RootOfLeafHashes(hashes)
	good, _ := RootOfLeaves(leaves)
	if bad == good {
		t.Fatal("a changed leaf hash gives the same root")
	}
}
