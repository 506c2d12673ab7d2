-- Trust (issue 14): the ed25519 public keys accounts register, the
-- benchmark setting on signed results, each result's
-- signed envelope, and the transparency log (its leaves and stored hashes).
-- keys lists public keys in their authorized-key form, a revoked key stays
-- so that old signatures can still be traced to it
CREATE TABLE keys (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	public_key TEXT NOT NULL,
	fingerprint TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	revoked_at TEXT
);
CREATE INDEX keys_user ON keys(user_id, id);
-- existing benchmarks keep accepting unsigned results, new ones ask for
-- signatures unless their owner says otherwise
ALTER TABLE benchmarks ADD COLUMN require_signed_results INTEGER NOT NULL DEFAULT 0;
-- envelope is the DSSE envelope's canonical JSON, NULL for unsigned results
ALTER TABLE results ADD COLUMN envelope TEXT;
ALTER TABLE results ADD COLUMN key_id INTEGER;
-- log_leaves maps each leaf of the log to the row it was built from, the
-- leaf bytes are rebuilt from that row, so that an edited row shows
CREATE TABLE log_leaves (
	idx INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	ref_id INTEGER NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX log_leaves_ref ON log_leaves(kind, ref_id);
-- log_hashes holds the tree's stored hashes (tlog.StoredHashIndex order),
-- written once each
CREATE TABLE log_hashes (
	idx INTEGER PRIMARY KEY,
	hash BLOB NOT NULL
)
