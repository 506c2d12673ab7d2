-- Signed containers (issue 14): the owner's DSSE envelope of a container,
-- in canonical JSON, and the registered key that signed it. One row per
-- signed container, replaced when the owner signs again, and removed when
-- an edit changes what was signed (image, config, parameters, additional
-- files).
CREATE TABLE container_signatures (
	container_id INTEGER PRIMARY KEY REFERENCES containers(id),
	envelope TEXT NOT NULL,
	key_id INTEGER NOT NULL REFERENCES keys(id),
	created_at TEXT NOT NULL
)
