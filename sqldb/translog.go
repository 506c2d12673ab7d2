package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// logSigner holds the log key, set once by the server at start.
type logSigner struct {
	mu     sync.RWMutex
	signer *trust.CheckpointSigner
	info   trust.LogKeyInfo
}

// LogOrigin returns the log's name for a key: "medperf-log-" and the first
// 16 hex digits of the key's SHA-256, so that a new key names a new log and
// the name needs no configuration.
func LogOrigin(pub trust.PublicKey) string {
	sum := sha256.Sum256(pub.Ed25519())
	return "medperf-log-" + hex.EncodeToString(sum[:8])
}

// SetLogKey makes id the key that signs the log's checkpoints. The server
// calls it once at start, before serving.
func (d *DB) SetLogKey(id *trust.Identity) error {
	origin := LogOrigin(id.Public())
	s, err := trust.NewCheckpointSigner(origin, id)
	if err != nil {
		return err
	}
	d.log.mu.Lock()
	defer d.log.mu.Unlock()
	d.log.signer = s
	d.log.info = trust.LogKeyInfo{Origin: origin, VerifierKey: s.VerifierKey(), PublicKey: id.Public().AuthorizedKey(),
		Fingerprint: id.Public().Fingerprint()}
	return nil
}

// currentSigner returns the log's signer, or CodeUnavailable when the
// server started without one (a wiring mistake, said plainly).
func (d *DB) currentSigner() (*trust.CheckpointSigner, trust.LogKeyInfo, error) {
	d.log.mu.RLock()
	defer d.log.mu.RUnlock()
	if d.log.signer == nil {
		return nil, trust.LogKeyInfo{}, medperf.Errorf(medperf.CodeUnavailable, "this registry has no transparency log key")
	}
	return d.log.signer, d.log.info, nil
}

// LogKey returns the public side of the log's signing key. Anyone may ask.
func (d *DB) LogKey(context.Context) (*trust.LogKeyInfo, error) {
	_, info, err := d.currentSigner()
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// logLockKey is the PostgreSQL advisory lock that the log's sequencer holds
// while it gives pending leaves their indexes ("medperf" in ASCII), so
// that sequencers of several replicas cannot fork the tree. Writers never
// take it. On SQLite the sequencer runs on the one writer connection.
const logLockKey = 0x6d6564706572

// hashStore is trust.HashStore over the log_hashes table, in a transaction.
type hashStore struct {
	ctx context.Context
	c   conn
}

// ReadHashes implements tlog.HashReader.
func (s hashStore) ReadHashes(indexes []int64) ([]trust.Hash, error) {
	out := make([]trust.Hash, len(indexes))
	for i, idx := range indexes {
		var b []byte
		err := s.c.row(s.ctx, `SELECT hash FROM log_hashes WHERE idx = ?`, idx).Scan(&b)
		if noRows(err) {
			return nil, medperf.Errorf(medperf.CodeNotFound, "the log has no stored hash %d", idx)
		}
		if err != nil {
			return nil, storeError(err)
		}
		if len(b) != len(out[i]) {
			return nil, medperf.Errorf(medperf.CodeInternal, "stored hash %d has %d bytes", idx, len(b))
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// WriteHashes implements trust.HashStore.
func (s hashStore) WriteHashes(start int64, hashes []trust.Hash) error {
	for i, h := range hashes {
		if err := s.c.exec(s.ctx, `INSERT INTO log_hashes (idx, hash) VALUES (?, ?)`, start+int64(i), h[:]); err != nil {
			return storeError(err)
		}
	}
	return nil
}

// storeError classifies a database error of the hash store before trust
// sees it: trust reports any error that is not a *medperf.Error as
// internal, so a cut connection would be a 500 instead of a 503. Lost races
// stay raw, for writeAt to retry and translate.
func storeError(err error) error {
	if retryable(err) {
		return err
	}
	return internal(err)
}

// appendLeaf adds leaf to the log in c's transaction as a pending leaf:
// its row (kind, refID: the row it was built from, so that it can be
// rebuilt later) and its hash are stored under a negative index
// (pendingIndex), and the sequencer (sequencer.go) gives it its place in
// the tree after the transaction commits. The leaf's hash is fixed here, in
// the transaction that writes the row; no lock is taken, so concurrent
// writers do not wait for each other's appends.
func (c conn) appendLeaf(ctx context.Context, kind string, refID int64, leaf []byte) error {
	p, err := pendingIndex(kind, refID)
	if err != nil {
		return err
	}
	h := trust.LeafHash(leaf)
	if err := c.exec(ctx, `INSERT INTO log_hashes (idx, hash) VALUES (?, ?)`, p, h[:]); err != nil {
		return err
	}
	return c.exec(ctx, `INSERT INTO log_leaves (idx, kind, ref_id, created_at) VALUES (?, ?, ?, ?)`, p, kind, refID, c.d.now())
}

// pendingIndex is the negative index under which a leaf waits for the
// sequencer in log_leaves and log_hashes (whose stored hashes all have
// indexes >= 0): -2·id for an audit event, -2·id-1 for a result, so that no
// two leaves share one. The schema has no column for the state (migrations
// are fixed); a negative index is that state.
func pendingIndex(kind string, refID int64) (int64, error) {
	if refID <= 0 {
		return 0, medperf.Errorf(medperf.CodeInternal, "a log leaf refers to row %d", refID)
	}
	switch kind {
	case trust.LeafKindAudit:
		return -2 * refID, nil
	case trust.LeafKindResult:
		return -2*refID - 1, nil
	}
	return 0, medperf.Errorf(medperf.CodeInternal, "no log leaf kind %q", kind)
}

// auditLeaf returns the leaf of the audit event of row id, rebuilt from
// the row; nil when the row is gone.
func auditLeaf(ctx context.Context, c conn, id int64) ([]byte, error) {
	var e medperf.AuditEvent
	var changes, created string
	err := c.row(ctx, `SELECT id, actor, action, entity_type, entity_id, changes, created_at FROM audit WHERE id = ?`, id).
		Scan(&e.ID, &e.Actor, &e.Action, &e.EntityType, &e.EntityID, &changes, &created)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e.Changes, e.Time = json.RawMessage(changes), parseTime(created)
	return trust.AuditLeaf(e)
}

// resultLeaf returns the leaf of the signed result of row id, rebuilt from
// its stored envelope; nil when the row or its envelope is gone.
func resultLeaf(ctx context.Context, c conn, id int64) ([]byte, error) {
	var env sql.NullString
	err := c.row(ctx, `SELECT envelope FROM results WHERE id = ?`, id).Scan(&env)
	if noRows(err) || (err == nil && !env.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	parsed, err := trust.ParseEnvelope([]byte(env.String))
	if err != nil {
		// An envelope edited into garbage rebuilds as its raw bytes, so
		// that its leaf hash differs from the logged one.
		return []byte("medperf/result/v1\n" + env.String), nil
	}
	return trust.ResultLeaf(parsed)
}

// logSize returns the number of sequenced leaves: one more than the
// highest index, since the sequencer gives indexes without gaps (an index
// lookup, where counting the rows grew with the log).
func logSize(ctx context.Context, c conn) (int64, error) {
	var last int64
	err := c.row(ctx, `SELECT idx FROM log_leaves WHERE idx >= 0 ORDER BY idx DESC LIMIT 1`).Scan(&last)
	if noRows(err) {
		return 0, nil
	}
	return last + 1, err
}

// LogCheckpoint returns the log's latest checkpoint, signed with the log
// key: a C2SP signed note. Anyone may ask. The leaves of every write
// committed before the call are sequenced first, so the checkpoint covers
// them (an acknowledged result is in the next checkpoint).
func (d *DB) LogCheckpoint(ctx context.Context) (*trust.SignedCheckpoint, error) {
	signer, info, err := d.currentSigner()
	if err != nil {
		return nil, err
	}
	if err := d.flushLog(ctx); err != nil {
		return nil, err
	}
	c := d.read()
	size, err := logSize(ctx, c)
	if err != nil {
		return nil, internal(err)
	}
	root, err := trust.TreeHash(hashStore{ctx, c}, size)
	if err != nil {
		return nil, internal(err)
	}
	note, err := signer.SignCheckpoint(trust.Checkpoint{Origin: info.Origin, Size: size, Root: root})
	if err != nil {
		return nil, internal(err)
	}
	return &trust.SignedCheckpoint{Checkpoint: string(note)}, nil
}

// checkSizes refuses sizes beyond the log's.
func checkSizes(ctx context.Context, c conn, sizes ...int64) error {
	n, err := logSize(ctx, c)
	if err != nil {
		return internal(err)
	}
	for _, s := range sizes {
		if s < 0 || s > n {
			return medperf.Errorf(medperf.CodeInvalid, "the log has %d leaves: size %d is out of range", n, s)
		}
	}
	return nil
}

// LogInclusion returns the proof that leaf index is in the tree of the
// given size. CodeInvalid for sizes beyond the log or index >= size.
func (d *DB) LogInclusion(ctx context.Context, index, size int64) (*trust.Proof, error) {
	c := d.read()
	if err := checkSizes(ctx, c, size); err != nil {
		return nil, err
	}
	p, err := trust.ProveInclusion(hashStore{ctx, c}, index, size)
	if err != nil {
		return nil, err
	}
	return &trust.Proof{Hashes: p}, nil
}

// LogConsistency returns the proof that the tree of size from is a prefix
// of the tree of size to. CodeInvalid for sizes out of range.
func (d *DB) LogConsistency(ctx context.Context, from, to int64) (*trust.Proof, error) {
	c := d.read()
	if err := checkSizes(ctx, c, from, to); err != nil {
		return nil, err
	}
	if from > to {
		return nil, medperf.Errorf(medperf.CodeInvalid, "from (%d) is beyond to (%d)", from, to)
	}
	p, err := trust.ProveConsistency(hashStore{ctx, c}, from, to)
	if err != nil {
		return nil, err
	}
	return &trust.Proof{Hashes: p}, nil
}

// MaxLeavesPage bounds one page of LogLeaves.
const MaxLeavesPage = 1000

// LogLeaves returns leaves start .. start+count-1 (at most MaxLeavesPage),
// each rebuilt from the row it was made from now: its hash always, its
// bytes when the caller may see the row (an admin; an audit event's
// viewer; a result's owner). A row that is gone is Missing.
func (d *DB) LogLeaves(ctx context.Context, start, count int64) ([]trust.LeafEntry, error) {
	caller := medperf.CallerFrom(ctx)
	if start < 0 || count <= 0 || count > MaxLeavesPage {
		return nil, medperf.Errorf(medperf.CodeInvalid, "start must be >= 0 and count between 1 and %d", MaxLeavesPage)
	}
	c := d.read()
	rows, err := c.query(ctx, `SELECT idx, kind, ref_id FROM log_leaves WHERE idx >= ? AND idx < ? ORDER BY idx`, start, start+count)
	if err != nil {
		return nil, internal(err)
	}
	out := []trust.LeafEntry{}
	for rows.Next() {
		var e trust.LeafEntry
		if err := rows.Scan(&e.Index, &e.Kind, &e.RefID); err != nil {
			rows.Close()
			return nil, internal(err)
		}
		out = append(out, e)
	}
	rows.Close()
	for i := range out {
		if err := fillLeaf(ctx, c, caller, &out[i]); err != nil {
			return nil, internal(err)
		}
	}
	return out, nil
}

// fillLeaf rebuilds one leaf and decides whether the caller sees its bytes.
func fillLeaf(ctx context.Context, c conn, caller *medperf.User, e *trust.LeafEntry) error {
	var leaf []byte
	var err error
	var visible int
	switch e.Kind {
	case trust.LeafKindAudit:
		leaf, err = auditLeaf(ctx, c, e.RefID)
		if err == nil && caller != nil {
			visible, err = c.count(ctx, `SELECT COUNT(*) FROM audit_viewers WHERE event_id = ? AND user_id = ?`, e.RefID, caller.ID)
		}
	case trust.LeafKindResult:
		leaf, err = resultLeaf(ctx, c, e.RefID)
		if err == nil && caller != nil {
			visible, err = c.count(ctx, `SELECT COUNT(*) FROM results WHERE id = ? AND owner = ?`, e.RefID, caller.ID)
		}
	}
	if err != nil {
		return err
	}
	if leaf == nil {
		e.Missing = true
		return nil
	}
	e.Hash = trust.LeafHash(leaf)
	if visible > 0 || (caller != nil && caller.IsAdmin) {
		e.Leaf = leaf
	}
	return nil
}

// logResult appends the leaf of signed result id to the log; unsigned
// results have no envelope to log (their audit event is logged).
func (c conn) logResult(ctx context.Context, id int64, sig *signature) error {
	if sig == nil {
		return nil
	}
	leaf, err := sig.leaf()
	if err != nil {
		return err
	}
	return c.appendLeaf(ctx, trust.LeafKindResult, id, leaf)
}

// leaf returns the log leaf of the signed result, built from the envelope
// as stored, as resultLeaf rebuilds it.
func (s *signature) leaf() ([]byte, error) {
	env, err := trust.ParseEnvelope(s.envelope)
	if err != nil {
		return nil, err
	}
	return trust.ResultLeaf(env)
}
