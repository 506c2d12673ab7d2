-- request_hash is the SHA-256 of a result submission's content, so that a
-- retry with the same idempotency key and the same content gets the first
-- result, and the same key with other content is refused (conflict). Rows
-- submitted before this migration have '' and are compared on their
-- benchmark, model and dataset only
ALTER TABLE results ADD COLUMN request_hash TEXT NOT NULL DEFAULT ''
