package sqldb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
