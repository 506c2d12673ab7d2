package trust

import "golang.org/x/mod/sumdb/tlog"

// LogKeyInfo is the public side of the key that signs a registry's
// transparency log: what the API serves and what `medperf auth login` pins
// on first use.
type LogKeyInfo struct {
	// Origin names the log and is the signing key's name.
	Origin string `json:"origin"`
	// VerifierKey is the C2SP signed-note verifier key of the log,
	// "<origin>+<key hash>+<key>" (CheckpointVerifierKey), as
	// golang.org/x/mod/sumdb/note reads it.
	VerifierKey string `json:"verifier_key"`
	// PublicKey is the key's authorized-key line, Fingerprint its SHA256
	// fingerprint (what ssh-keygen -lf prints).
	PublicKey   string `json:"public_key"`
	Fingerprint string `json:"fingerprint"`
}

// LeafKindAudit and LeafKindResult name what a leaf of the log was built
// from: an audit event (AuditLeaf) or a signed result's envelope
// (ResultLeaf).
const (
	LeafKindAudit  = "audit"
	LeafKindResult = "result"
)

// LeafEntry is one leaf of the log as the registry serves it: where it
// comes from, the hash of the leaf rebuilt from the row now in the
// registry's database, and the leaf's bytes when the caller may see that
// row. Missing is true when the row is gone: history was rewritten.
type LeafEntry struct {
	Index   int64  `json:"index"`
	Kind    string `json:"kind"`
	RefID   int64  `json:"ref_id"`
	Hash    Hash   `json:"hash"`
	Leaf    []byte `json:"leaf,omitempty"`
	Missing bool   `json:"missing,omitempty"`
}

// SignedCheckpoint is the body of the API's latest checkpoint: the signed
// note, as text.
type SignedCheckpoint struct {
	Checkpoint string `json:"checkpoint"`
}

// Proof is the body of the API's inclusion and consistency proofs: the
// hashes of the proof, in order.
type Proof struct {
	Hashes []Hash `json:"hashes"`
}

// RootOfLeafHashes returns the root hash of a log whose leaves have the
// given hashes (LeafHash of each leaf), in order: how a client recomputes a
// signed checkpoint's root from the hashes the registry serves, without
// seeing every leaf.
func RootOfLeafHashes(hashes []Hash) (Hash, error) {
	s := &MemoryHashStore{}
	for i, h := range hashes {
		stored, err := tlog.StoredHashesForRecordHash(int64(i), h, s)
		if err != nil {
			return Hash{}, storeError(err)
		}
		if err := s.WriteHashes(tlog.StoredHashIndex(0, int64(i)), stored); err != nil {
			return Hash{}, err
		}
	}
	return TreeHash(s, int64(len(hashes)))
}
