package sqldb

import (
	"context"
	"database/sql"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
)

const userCols = `id, email, name, is_admin, created_at`

func scanUser(s interface{ Scan(...any) error }) (*medperf.User, error) {
	var u medperf.User
	var created string
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.IsAdmin, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = parseTime(created)
	return &u, nil
}

// Authenticate implements medperf.UserService. An account found is cached
// for tokenTTL (one second), so a token revoked through another replica
// stops working here within that second; RevokeToken through this DB drops
// it at once.
func (d *DB) Authenticate(ctx context.Context, secret string) (*medperf.User, error) {
	refused := medperf.Errorf(medperf.CodeUnauthorized, "the API token is unknown or revoked (log in again with 'medperf auth login')")
	if !auth.WellFormed(secret) {
		return nil, refused
	}
	hash := auth.Hash(secret)
	if u, ok := d.tokens.get(hash); ok {
		return u, nil
	}
	f, lead := d.tokens.join(hash)
	if !lead {
		if u, err := f.wait(ctx); err != errLookupFailed {
			return u, err
		}
		return d.lookupToken(ctx, hash, refused, d.tokens.put)
	}
	// Landed even if the lookup panics, so that no waiter waits for ever
	// (errLookupFailed sends them to the database themselves).
	var (
		tokenID int64
		u       *medperf.User
		err     = errLookupFailed
	)
	defer func() { d.tokens.land(hash, f, tokenID, u, err) }()
	u, err = d.lookupToken(ctx, hash, refused, func(_ string, id int64, _ medperf.User, _ uint64) { tokenID = id })
	return u, err
}

// lookupToken reads the account of a token hash from the database (refused
// when no live token has it) and hands what it found to keep, with the
// cache generation read before the query.
func (d *DB) lookupToken(ctx context.Context, hash string, refused error, keep func(hash string, tokenID int64, u medperf.User, gen uint64)) (*medperf.User, error) {
	gen := d.tokens.generation()
	var stored string
	row := d.read().row(ctx, `SELECT t.hash, t.id, u.id, u.email, u.name, u.is_admin, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.revoked_at IS NULL`, hash)
	var u medperf.User
	var created string
	var tokenID int64
	err := row.Scan(&stored, &tokenID, &u.ID, &u.Email, &u.Name, &u.IsAdmin, &created)
	if noRows(err) {
		return nil, refused
	}
	if err != nil {
		return nil, internal(err)
	}
	if !auth.Equal(stored, hash) {
		return nil, refused
	}
	u.CreatedAt = parseTime(created)
	keep(hash, tokenID, u, gen)
	return &u, nil
}

// CreateUser implements medperf.UserService.
func (d *DB) CreateUser(ctx context.Context, nu medperf.NewUser) (*medperf.CreatedUser, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !caller.IsAdmin {
		return nil, medperf.Errorf(medperf.CodeForbidden, "only an admin creates users")
	}
	if err := nu.Validate(); err != nil {
		return nil, err
	}
	var out *medperf.CreatedUser
	err = d.register(ctx, func(c conn) error {
		var err error
		out, err = d.createUser(ctx, c, caller.ID, nu, auth.NewToken())
		return err
	})
	return out, err
}

// createUser inserts a user and its first token (whose secret is given) and
// audits it as done by actor (0 for the bootstrap).
func (d *DB) createUser(ctx context.Context, c conn, actor int64, nu medperf.NewUser, secret string) (*medperf.CreatedUser, error) {
	n, err := c.count(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, nu.Email)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, &medperf.Error{Code: medperf.CodeConflict, Field: "email", Message: "a user with this email already exists"}
	}
	now := d.now()
	id, err := c.insert(ctx, `INSERT INTO users (email, name, is_admin, created_at) VALUES (?, ?, ?, ?)`,
		nu.Email, nu.Name, nu.IsAdmin, now)
	if err != nil {
		return nil, err
	}
	if _, err := c.insert(ctx, `INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)`,
		id, "initial", auth.Hash(secret), now); err != nil {
		return nil, err
	}
	if actor == 0 {
		actor = id
	}
	if err := c.audit(ctx, actor, medperf.ActionCreate, "user", id, nu, id); err != nil {
		return nil, err
	}
	u := medperf.User{ID: id, Email: nu.Email, Name: nu.Name, IsAdmin: nu.IsAdmin, CreatedAt: parseTime(now)}
	return &medperf.CreatedUser{User: u, Token: secret}, nil
}

// BootstrapAdmin creates the first admin account with the given token
// (a fresh one when token is empty) if the database has no user yet. It
// returns the token and true when it created the account, and "" and false
// when users already exist. It needs no caller: only the server calls it,
// at start.
func (d *DB) BootstrapAdmin(ctx context.Context, email, token string) (string, bool, error) {
	if token == "" {
		token = auth.NewToken()
	}
	if !auth.WellFormed(token) {
		return "", false, medperf.FieldError("MEDPERF_ADMIN_TOKEN", "is not a medperf token (%s followed by at least %d bytes of base64url)", auth.Prefix, auth.SecretBytes)
	}
	created := false
	err := d.write(ctx, func(c conn) error {
		created = false // a retried transaction starts afresh
		n, err := c.count(ctx, `SELECT COUNT(*) FROM users`)
		if err != nil || n > 0 {
			return err
		}
		_, err = d.createUser(ctx, c, 0, medperf.NewUser{Email: email, Name: "admin", IsAdmin: true}, token)
		created = err == nil
		return err
	})
	if err != nil || !created {
		return "", false, err
	}
	return token, true, nil
}

// GetUser implements medperf.UserService.
func (d *DB) GetUser(ctx context.Context, id int64) (*medperf.User, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !caller.IsAdmin && caller.ID != id {
		// The same answer as for an id that does not exist, so that
		// nobody learns which ids are accounts.
		return nil, notFound("user", id)
	}
	u, err := scanUser(d.read().row(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, id))
	if noRows(err) {
		return nil, notFound("user", id)
	}
	return u, internal(err)
}

// ListUsers implements medperf.UserService.
func (d *DB) ListUsers(ctx context.Context, p medperf.Page) (*medperf.List[medperf.User], error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if !caller.IsAdmin {
		return nil, medperf.Errorf(medperf.CodeForbidden, "only an admin lists users")
	}
	return list(ctx, d, "users", userCols, where{}, p, func(r *sql.Rows) (medperf.User, error) {
		u, err := scanUser(r)
		if err != nil {
			return medperf.User{}, err
		}
		return *u, nil
	})
}

// CreateToken implements medperf.UserService.
func (d *DB) CreateToken(ctx context.Context, name string) (*medperf.NewToken, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if len(name) > 128 {
		return nil, medperf.FieldError("name", "is longer than 128 bytes")
	}
	secret := auth.NewToken()
	var t medperf.NewToken
	err = d.write(ctx, func(c conn) error {
		if err := checkTokenCap(ctx, c, caller.ID); err != nil {
			return err
		}
		now := d.now()
		id, err := c.insert(ctx, `INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?, ?, ?, ?)`,
			caller.ID, name, auth.Hash(secret), now)
		if err != nil {
			return err
		}
		t = medperf.NewToken{Token: medperf.Token{ID: id, UserID: caller.ID, Name: name, CreatedAt: parseTime(now)}, Secret: secret}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "token", id, map[string]string{"name": name})
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ListTokens implements medperf.UserService.
func (d *DB) ListTokens(ctx context.Context) ([]medperf.Token, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.read().query(ctx, `SELECT id, user_id, name, created_at, revoked_at FROM tokens WHERE user_id = ? ORDER BY id`, caller.ID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []medperf.Token{}
	for rows.Next() {
		var t medperf.Token
		var created string
		var revoked sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &created, &revoked); err != nil {
			return nil, internal(err)
		}
		t.CreatedAt, t.RevokedAt = parseTime(created), parseTimePtr(revoked)
		out = append(out, t)
	}
	return out, internal(rows.Err())
}

// RevokeToken implements medperf.UserService.
func (d *DB) RevokeToken(ctx context.Context, id int64) error {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return err
	}
	err = d.write(ctx, func(c conn) error {
		var revoked sql.NullString
		err := c.row(ctx, `SELECT revoked_at FROM tokens WHERE id = ? AND user_id = ?`, id, caller.ID).Scan(&revoked)
		if noRows(err) {
			return notFound("token", id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return medperf.Errorf(medperf.CodeConflict, "token %d is already revoked", id)
		}
		if err := c.exec(ctx, `UPDATE tokens SET revoked_at = ? WHERE id = ?`, d.now(), id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionRevoke, "token", id, map[string]int64{"token": id})
	})
	if err == nil {
		d.tokens.forgetToken(id)
	}
	return err
}
