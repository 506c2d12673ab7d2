-- The registry: users, tokens, containers, benchmarks, datasets,
-- associations, results and the audit log. Times are stored as text in
-- RFC 3339 with nanoseconds, UTC, and JSON as text.
CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	is_admin INTEGER NOT NULL,
	created_at TEXT NOT NULL
);
CREATE TABLE tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	hash TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	revoked_at TEXT
);
CREATE TABLE containers (
	id INTEGER PRIMARY KEY,
	owner INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL UNIQUE,
	config TEXT NOT NULL,
	parameters TEXT,
	image_hash TEXT NOT NULL,
	additional_files_url TEXT NOT NULL,
	additional_files_hash TEXT NOT NULL,
	identity TEXT NOT NULL UNIQUE,
	tasks TEXT NOT NULL,
	is_model INTEGER NOT NULL,
	state TEXT NOT NULL,
	is_valid INTEGER NOT NULL,
	metadata TEXT,
	user_metadata TEXT,
	created_at TEXT NOT NULL,
	modified_at TEXT NOT NULL
);
CREATE INDEX containers_owner ON containers(owner);
CREATE TABLE benchmarks (
	id INTEGER PRIMARY KEY,
	owner INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	docs_url TEXT NOT NULL,
	document TEXT NOT NULL,
	clinical_task TEXT NOT NULL,
	target_population TEXT NOT NULL,
	labelling_methodology TEXT NOT NULL,
	demo_url TEXT NOT NULL,
	demo_hash TEXT NOT NULL,
	demo_generated_uid TEXT NOT NULL,
	preparator INTEGER NOT NULL REFERENCES containers(id),
	reference_model INTEGER NOT NULL REFERENCES containers(id),
	evaluator INTEGER NOT NULL REFERENCES containers(id),
	metrics TEXT,
	approval_status TEXT NOT NULL,
	approved_at TEXT,
	state TEXT NOT NULL,
	dataset_mode TEXT NOT NULL,
	dataset_allowlist TEXT NOT NULL,
	model_mode TEXT NOT NULL,
	model_allowlist TEXT NOT NULL,
	is_valid INTEGER NOT NULL,
	metadata TEXT,
	user_metadata TEXT,
	created_at TEXT NOT NULL,
	modified_at TEXT NOT NULL
);
CREATE INDEX benchmarks_owner ON benchmarks(owner, approval_status);
CREATE TABLE datasets (
	id INTEGER PRIMARY KEY,
	owner INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	description TEXT NOT NULL,
	location TEXT NOT NULL,
	input_data_hash TEXT NOT NULL,
	generated_uid TEXT NOT NULL,
	preparator INTEGER NOT NULL REFERENCES containers(id),
	generated_metadata TEXT,
	report TEXT,
	state TEXT NOT NULL,
	is_valid INTEGER NOT NULL,
	metadata TEXT,
	user_metadata TEXT,
	created_at TEXT NOT NULL,
	modified_at TEXT NOT NULL
);
CREATE UNIQUE INDEX datasets_operation_uid ON datasets(generated_uid) WHERE state = 'OPERATION';
CREATE INDEX datasets_owner ON datasets(owner);
CREATE TABLE associations (
	id INTEGER PRIMARY KEY,
	benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),
	kind TEXT NOT NULL,
	component_id INTEGER NOT NULL,
	approval_status TEXT NOT NULL,
	initiated_by INTEGER NOT NULL REFERENCES users(id),
	priority INTEGER NOT NULL,
	metadata TEXT,
	created_at TEXT NOT NULL,
	modified_at TEXT NOT NULL,
	approved_at TEXT
);
CREATE INDEX associations_pair ON associations(benchmark_id, kind, component_id, id);
CREATE TABLE results (
	id INTEGER PRIMARY KEY,
	owner INTEGER NOT NULL REFERENCES users(id),
	name TEXT NOT NULL,
	benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),
	model_id INTEGER NOT NULL REFERENCES containers(id),
	dataset_id INTEGER NOT NULL REFERENCES datasets(id),
	metrics TEXT NOT NULL,
	finalized INTEGER NOT NULL,
	finalized_at TEXT,
	idempotency_key TEXT NOT NULL,
	is_valid INTEGER NOT NULL,
	metadata TEXT,
	user_metadata TEXT,
	created_at TEXT NOT NULL,
	modified_at TEXT NOT NULL
);
CREATE UNIQUE INDEX results_one_final ON results(benchmark_id, model_id, dataset_id) WHERE finalized;
CREATE UNIQUE INDEX results_idempotency ON results(owner, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX results_benchmark ON results(benchmark_id, id);
CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	actor INTEGER NOT NULL,
	action TEXT NOT NULL,
	entity_type TEXT NOT NULL,
	entity_id INTEGER NOT NULL,
	changes TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit(entity_type, entity_id);
-- audit_viewers lists, per event, the owners who may read it.
CREATE TABLE audit_viewers (
	event_id INTEGER NOT NULL REFERENCES audit(id),
	user_id INTEGER NOT NULL,
	PRIMARY KEY (user_id, event_id)
);
