package medperf

import (
	"context"
	"net/mail"
	"time"
)

// User is an account. Roles are not stored: a user is a benchmark, model or
// data owner by owning such entities; IsAdmin marks the administrators, who
// approve benchmarks and may do anything.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	IsAdmin   bool      `json:"is_admin"`
	CreatedAt time.Time `json:"created_at"`
}

// NewUser is the input of UserService.CreateUser.
type NewUser struct {
	Email   string `json:"email"`
	Name    string `json:"name"`
	IsAdmin bool   `json:"is_admin"`
}

// Validate checks the fields of a new user.
func (u NewUser) Validate() error {
	if u.Email == "" {
		return FieldError("email", "is required")
	}
	a, err := mail.ParseAddress(u.Email)
	if err != nil || a.Address != u.Email || a.Name != "" {
		return FieldError("email", "is not an email address")
	}
	if err := limitText("email", u.Email, maxName*2); err != nil {
		return err
	}
	return limitText("name", u.Name, maxName)
}

// Token describes an API token. The secret itself is shown once, when the
// token is created, and only its hash is stored.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// NewToken is a token just created, with its secret.
type NewToken struct {
	Token
	Secret string `json:"token"`
}

// CreatedUser is a user just created, with the secret of its first token.
type CreatedUser struct {
	User
	Token string `json:"token"`
}

type callerKey struct{}

// WithCaller returns a context that carries u as the caller of a service
// method. Services read it with CallerFrom; a nil u means anonymous.
func WithCaller(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, callerKey{}, u)
}

// CallerFrom returns the caller stored by WithCaller, or nil.
func CallerFrom(ctx context.Context) *User {
	u, _ := ctx.Value(callerKey{}).(*User)
	return u
}

// RequireCaller returns the caller, or a CodeUnauthorized error when there
// is none.
func RequireCaller(ctx context.Context) (*User, error) {
	u := CallerFrom(ctx)
	if u == nil {
		return nil, Errorf(CodeUnauthorized, "a valid API token is required (log in with 'medperf auth login')")
	}
	return u, nil
}
