package medperf

import (
	"context"
	"time"
)

// Session is a signed-in browser session of the dashboard.
type Session struct {
	User User
	// CSRF is the session's anti-forgery token, which every form posts back.
	CSRF      string
	ExpiresAt time.Time
}

// SessionService keeps dashboard sessions. Session secrets are random,
// returned once, and stored hashed; they never appear in logs.
type SessionService interface {
	// CreateSession signs in with an API token: it returns a new session of
	// the token's user, lasting ttl, and its secret. A bad token is
	// CodeUnauthorized. Expired sessions are removed on the way.
	CreateSession(ctx context.Context, token string, ttl time.Duration) (secret string, s *Session, err error)
	// GetSession returns the live session whose secret is given, or
	// CodeUnauthorized when it is unknown or expired, or when the API token
	// it was created with has been revoked since.
	GetSession(ctx context.Context, secret string) (*Session, error)
	// DeleteSession ends a session; an unknown secret is not an error.
	DeleteSession(ctx context.Context, secret string) error
}
