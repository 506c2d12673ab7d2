package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/medperf/medperf"
)

// The transparency log is an RFC 6962 Merkle tree built with
// golang.org/x/mod/sumdb/tlog, the Go checksum database's tree. tlog was
// chosen over github.com/transparency-dev/merkle because it was already in
// the module graph, its signed-note companion (sumdb/note) is the checkpoint
// format we need, and its storage model (a flat array of "stored hashes"
// addressed by index, written once, append only) maps directly onto one SQL
// table; transparency-dev/merkle verifies proofs but leaves storage to us.

// Hash is a node hash of the log: SHA-256, RFC 6962 style. It marshals to
// JSON as a base64 string.
type Hash = tlog.Hash

// InclusionProof proves that a leaf is in a tree of a given size (RFC 6962's
// audit path): the sibling hashes from the leaf up.
type InclusionProof = tlog.RecordProof

// ConsistencyProof proves that a tree of a given size is a prefix of a
// larger one, i.e. that nothing was rewritten or removed between them.
type ConsistencyProof = tlog.TreeProof

// HashStore is where a log's stored hashes live. Stored hash i (see
// tlog.StoredHashIndex) is written once and never changes; appending leaf n
// writes 1 to 1+log2(n) new hashes at consecutive indexes. The SQL store
// implements it over one table (index -> hash), inside the transaction that
// appends the leaf, so a log has exactly one writer at a time.
type HashStore interface {
	tlog.HashReader
	// WriteHashes stores hashes at stored-hash indexes start, start+1, ...
	WriteHashes(start int64, hashes []Hash) error
}

// Leaf kinds: the first line of every leaf, so that an audit event can
// never be read as a result envelope or the other way round.
const (
	leafAuditV1  = "medperf/audit/v1\n"
	leafResultV1 = "medperf/result/v1\n"
)

// auditLeafBody is the canonical JSON of an audit event in a leaf. Its
// fields are fixed by version v1; a new field means a new version.
type auditLeafBody struct {
	ID         int64           `json:"id"`
	Actor      int64           `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   int64           `json:"entity_id"`
	Changes    json.RawMessage `json:"changes"`
	Time       string          `json:"time"`
}

// AuditLeaf returns the canonical leaf bytes of an audit event:
//
//	"medperf/audit/v1\n" + JSON {"id","actor","action","entity_type",
//	"entity_id","changes","time"}
//
// in that key order, compact, without HTML escaping; changes is the event's
// JSON compacted ("null" when empty); time is RFC 3339 in UTC truncated to
// microseconds (PostgreSQL's precision), so the store can rebuild the same
// bytes from the row. Anyone can recompute a leaf from the event the API
// returns and check it against an inclusion proof.
func AuditLeaf(e medperf.AuditEvent) ([]byte, error) {
	changes := json.RawMessage("null")
	if len(bytes.TrimSpace(e.Changes)) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, e.Changes); err != nil {
			return nil, medperf.FieldError("changes", "must be valid JSON")
		}
		changes = buf.Bytes()
	}
	body, err := marshalCanonical(auditLeafBody{
		ID: e.ID, Actor: e.Actor, Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		Changes: changes, Time: e.Time.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano),
	})
	if err != nil {
		return nil, err
	}
	return append([]byte(leafAuditV1), body...), nil
}

// ResultLeaf returns the canonical leaf bytes of a signed result:
// "medperf/result/v1\n" followed by MarshalEnvelope(env). The envelope
// itself is in the log, so its signature can be checked from the leaf alone.
func ResultLeaf(env *Envelope) ([]byte, error) {
	body, err := MarshalEnvelope(env)
	if err != nil {
		return nil, err
	}
	return append([]byte(leafResultV1), body...), nil
}

// LeafHash returns RFC 6962's hash of leaf bytes: SHA-256(0x00 || leaf).
func LeafHash(leaf []byte) Hash { return tlog.RecordHash(leaf) }

// AppendLeaf adds leaf to the log of the given size (it becomes leaf number
// size) and writes the new stored hashes to s. The caller keeps the leaf
// bytes and the new size, in the same transaction.
func AppendLeaf(s HashStore, size int64, leaf []byte) error {
	return AppendLeafHash(s, size, LeafHash(leaf))
}

// AppendLeafHash is AppendLeaf for a leaf known by its hash (LeafHash), for
// a store that fixed the hash when the leaf was written and gives it its
// index later.
func AppendLeafHash(s HashStore, size int64, leafHash Hash) error {
	if size < 0 {
		return medperf.Errorf(medperf.CodeInvalid, "log size %d is negative", size)
	}
	hashes, err := tlog.StoredHashesForRecordHash(size, leafHash, s)
	if err != nil {
		return storeError(err)
	}
	return storeError(s.WriteHashes(tlog.StoredHashIndex(0, size), hashes))
}

// TreeHash returns the root hash of the first size leaves of the log in r.
// The empty tree's hash is SHA-256 of nothing.
func TreeHash(r tlog.HashReader, size int64) (Hash, error) {
	if size < 0 {
		return Hash{}, medperf.Errorf(medperf.CodeInvalid, "log size %d is negative", size)
	}
	h, err := tlog.TreeHash(size, r)
	return h, storeError(err)
}

// ProveInclusion returns the proof that leaf index is in the tree of the
// given size. index must be below size (CodeInvalid otherwise). The API
// serves it to clients checking their own results.
func ProveInclusion(r tlog.HashReader, index, size int64) (InclusionProof, error) {
	if index < 0 || size <= index {
		return nil, medperf.Errorf(medperf.CodeInvalid, "leaf %d is not in a log of size %d", index, size)
	}
	p, err := tlog.ProveRecord(size, index, r)
	return p, storeError(err)
}

// VerifyInclusion checks that leaf (its bytes, not its hash) is leaf number
// index of the tree of the given size and root. A proof that does not check
// gives CodeConflict: the log does not hold this leaf there, so either the
// leaf was altered or history was rewritten.
func VerifyInclusion(p InclusionProof, index, size int64, root Hash, leaf []byte) error {
	if index < 0 || size <= index {
		return medperf.Errorf(medperf.CodeInvalid, "leaf %d is not in a log of size %d", index, size)
	}
	if err := tlog.CheckRecord(p, size, root, index, LeafHash(leaf)); err != nil {
		return &medperf.Error{Code: medperf.CodeConflict, Message: "the log does not contain this entry at the place it claims: the entry was altered or the log's history was rewritten", Err: err}
	}
	return nil
}

// ProveConsistency returns the proof that the tree of oldSize is a prefix
// of the tree of newSize, 0 <= oldSize <= newSize. For oldSize 0 or equal
// sizes the proof is empty.
func ProveConsistency(r tlog.HashReader, oldSize, newSize int64) (ConsistencyProof, error) {
	if oldSize < 0 || newSize < oldSize {
		return nil, medperf.Errorf(medperf.CodeInvalid, "cannot prove a log of size %d extends one of size %d", newSize, oldSize)
	}
	if oldSize == 0 {
		return ConsistencyProof{}, nil
	}
	p, err := tlog.ProveTree(newSize, oldSize, r)
	return p, storeError(err)
}

// VerifyConsistency checks that the tree (newSize, newRoot) extends the tree
// (oldSize, oldRoot) without changing it. Failure gives CodeConflict: the
// log was rewritten, truncated or forked since the old checkpoint. A
// smaller new size is a conflict too (a log never shrinks).
func VerifyConsistency(p ConsistencyProof, oldSize int64, oldRoot Hash, newSize int64, newRoot Hash) error {
	switch {
	case oldSize < 0:
		return medperf.Errorf(medperf.CodeInvalid, "log size %d is negative", oldSize)
	case newSize < oldSize:
		return medperf.Errorf(medperf.CodeConflict, "the log shrank from %d to %d entries: its history was rewritten", oldSize, newSize)
	case oldSize == 0:
		return nil
	case oldSize == newSize && len(p) == 0:
		if oldRoot != newRoot {
			return medperf.Errorf(medperf.CodeConflict, "the log has %d entries as before but a different root hash: its history was rewritten", newSize)
		}
		return nil
	}
	if err := tlog.CheckTree(p, newSize, newRoot, oldSize, oldRoot); err != nil {
		return &medperf.Error{Code: medperf.CodeConflict, Message: "the log's new state does not extend the one seen before: its history was rewritten, truncated or forked", Err: err}
	}
	return nil
}

// RootOfLeaves returns the root hash of a log holding exactly leaves, in
// order: a full audit recomputes it from every leaf the server serves and
// compares it with a signed checkpoint.
func RootOfLeaves(leaves [][]byte) (Hash, error) {
	s := &MemoryHashStore{}
	for i, leaf := range leaves {
		if err := AppendLeaf(s, int64(i), leaf); err != nil {
			return Hash{}, err
		}
	}
	return TreeHash(s, int64(len(leaves)))
}

// storeError keeps a *medperf.Error from the caller's store and reports
// anything else as internal.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	var e *medperf.Error
	if errors.As(err, &e) {
		return err
	}
	return &medperf.Error{Code: medperf.CodeInternal, Err: err}
}

// MemoryHashStore is a HashStore in memory, for tests and for checking a
// whole log on a client. It is safe for concurrent use.
type MemoryHashStore struct {
	mu     sync.Mutex
	hashes []Hash
}

// ReadHashes returns the hashes at indexes; an index not yet written gives
// CodeNotFound.
func (m *MemoryHashStore) ReadHashes(indexes []int64) ([]Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, medperf.Errorf(medperf.CodeNotFound, "stored hash %d does not exist", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// WriteHashes stores hashes from index start, which must be the number of
// hashes stored so far (the log is append only; CodeConflict otherwise).
func (m *MemoryHashStore) WriteHashes(start int64, hashes []Hash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if start != int64(len(m.hashes)) {
		return medperf.Errorf(medperf.CodeConflict, "stored hashes must be appended at %d, not %d", len(m.hashes), start)
	}
	m.hashes = append(m.hashes, hashes...)
	return nil
}
