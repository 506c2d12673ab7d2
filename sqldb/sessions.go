package sqldb

import (
	"context"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
)

var errNoSession = medperf.Errorf(medperf.CodeUnauthorized, "you are not signed in, or your session has expired; sign in again")

// CreateSession implements medperf.SessionService.
func (d *DB) CreateSession(ctx context.Context, token string, ttl time.Duration) (string, *medperf.Session, error) {
	if ttl <= 0 {
		return "", nil, medperf.FieldError("ttl", "must be positive")
	}
	u, err := d.Authenticate(ctx, token)
	if err != nil {
		return "", nil, err
	}
	var tokenID int64
	if err := d.read().row(ctx, `SELECT id FROM tokens WHERE hash = ?`, auth.Hash(token)).Scan(&tokenID); err != nil {
		return "", nil, internal(err)
	}
	secret := auth.NewToken()
	now := d.Now()
	s := &medperf.Session{User: *u, CSRF: auth.NewToken(), ExpiresAt: now.Add(ttl).UTC()}
	err = d.write(ctx, func(c conn) error {
		if err := c.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, formatTime(now)); err != nil {
			return err
		}
		return c.exec(ctx, `INSERT INTO sessions (hash, user_id, token_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			auth.Hash(secret), u.ID, tokenID, s.CSRF, formatTime(now), formatTime(s.ExpiresAt))
	})
	if err != nil {
		return "", nil, err
	}
	return secret, s, nil
}

// GetSession implements medperf.SessionService.
func (d *DB) GetSession(ctx context.Context, secret string) (*medperf.Session, error) {
	if !auth.WellFormed(secret) {
		return nil, errNoSession
	}
	hash := auth.Hash(secret)
	var s medperf.Session
	var stored, created, expires string
	err := d.read().row(ctx, `SELECT s.hash, s.csrf, s.expires_at, u.id, u.email, u.name, u.is_admin, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN tokens t ON t.id = s.token_id
		WHERE s.hash = ? AND t.revoked_at IS NULL`, hash).
		Scan(&stored, &s.CSRF, &expires, &s.User.ID, &s.User.Email, &s.User.Name, &s.User.IsAdmin, &created)
	if noRows(err) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, internal(err)
	}
	s.ExpiresAt, s.User.CreatedAt = parseTime(expires), parseTime(created)
	if !auth.Equal(stored, hash) || !d.Now().Before(s.ExpiresAt) {
		return nil, errNoSession
	}
	return &s, nil
}

// DeleteSession implements medperf.SessionService.
func (d *DB) DeleteSession(ctx context.Context, secret string) error {
	if !auth.WellFormed(secret) {
		return nil
	}
	return d.write(ctx, func(c conn) error {
		return c.exec(ctx, `DELETE FROM sessions WHERE hash = ?`, auth.Hash(secret))
	})
}

var (
	_ medperf.SessionService     = (*DB)(nil)
	_ medperf.LeaderboardService = (*DB)(nil)
)
