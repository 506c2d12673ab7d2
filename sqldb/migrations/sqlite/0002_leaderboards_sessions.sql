-- A benchmark owner may publish the leaderboard's aggregate rows, and the
-- dashboard keeps browser sessions: the secret is stored hashed, with the
-- API token signed in with (revoking it ends the session), the session's
-- anti-forgery token and its expiry.
ALTER TABLE benchmarks ADD COLUMN leaderboard_public INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sessions (
	id INTEGER PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	user_id INTEGER NOT NULL REFERENCES users(id),
	token_id INTEGER NOT NULL REFERENCES tokens(id),
	csrf TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);
