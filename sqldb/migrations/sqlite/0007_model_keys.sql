-- Private models (issue 14 point 6): access grants. model_keys holds, per
-- benchmark, model and data owner, the model owner's secret wrapped with
-- age for that user's registered keys. Only the wrapped text is stored,
-- never the secret. fingerprints lists, as a JSON array, the user's keys the
-- text was found to be wrapped for
CREATE TABLE model_keys (
	id INTEGER PRIMARY KEY,
	benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),
	model_id INTEGER NOT NULL REFERENCES containers(id),
	user_id INTEGER NOT NULL REFERENCES users(id),
	wrapped_key TEXT NOT NULL,
	fingerprints TEXT NOT NULL,
	granted_by INTEGER NOT NULL REFERENCES users(id),
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX model_keys_grant ON model_keys(benchmark_id, model_id, user_id);
-- model_access holds the owner's access settings of a model in a benchmark
-- (a missing row means the defaults)
CREATE TABLE model_access (
	benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),
	model_id INTEGER NOT NULL REFERENCES containers(id),
	auto_grant INTEGER NOT NULL,
	modified_at TEXT NOT NULL,
	PRIMARY KEY (benchmark_id, model_id)
)
