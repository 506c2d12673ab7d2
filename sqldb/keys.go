package sqldb

import (
	"context"
	"database/sql"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

var _ medperf.KeyService = (*DB)(nil)

const keyCols = `id, user_id, name, public_key, fingerprint, created_at, revoked_at`

func scanKey(s interface{ Scan(...any) error }) (*medperf.Key, error) {
	var k medperf.Key
	var created string
	var revoked sql.NullString
	if err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.PublicKey, &k.Fingerprint, &created, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt = parseTime(created), parseTimePtr(revoked)
	return &k, nil
}

// RegisterKey implements medperf.KeyService. The key is stored in its
// canonical authorized-key form (no comment), whichever form it came in, so
// that one key has one row.
func (d *DB) RegisterKey(ctx context.Context, in medperf.KeyInput) (*medperf.Key, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	pub, err := trust.ParsePublicKey(in.PublicKey)
	if err != nil {
		return nil, err
	}
	var out *medperf.Key
	err = d.register(ctx, func(c conn) error {
		n, err := c.count(ctx, `SELECT COUNT(*) FROM keys WHERE fingerprint = ?`, pub.Fingerprint())
		if err != nil {
			return err
		}
		if n > 0 {
			return medperf.Errorf(medperf.CodeConflict, "the key %s is registered already", pub.Fingerprint())
		}
		id, err := c.insert(ctx, `INSERT INTO keys (user_id, name, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?)`,
			caller.ID, in.Name, pub.AuthorizedKey(), pub.Fingerprint(), d.now())
		if err != nil {
			return err
		}
		if out, err = scanKey(c.row(ctx, `SELECT `+keyCols+` FROM keys WHERE id = ?`, id)); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "key", id, map[string]string{"fingerprint": out.Fingerprint, "name": out.Name})
	})
	return out, err
}

// ListKeys implements medperf.KeyService.
func (d *DB) ListKeys(ctx context.Context, userID int64) ([]medperf.Key, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if userID == 0 {
		userID = caller.ID
	}
	return d.keysOf(ctx, d.read(), userID)
}

// keysOf returns every key of a user, oldest first.
func (d *DB) keysOf(ctx context.Context, c conn, userID int64) ([]medperf.Key, error) {
	rows, err := c.query(ctx, `SELECT `+keyCols+` FROM keys WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	out := []medperf.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, internal(err)
		}
		out = append(out, *k)
	}
	return out, internal(rows.Err())
}

// RevokeKey implements medperf.KeyService.
func (d *DB) RevokeKey(ctx context.Context, id int64) (*medperf.Key, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var out *medperf.Key
	err = d.write(ctx, func(c conn) error {
		k, err := scanKey(c.row(ctx, `SELECT `+keyCols+` FROM keys WHERE id = ?`, id))
		if noRows(err) || (err == nil && k.UserID != caller.ID && !caller.IsAdmin) {
			return notFound("key", id)
		}
		if err != nil {
			return err
		}
		if k.Revoked() {
			return medperf.Errorf(medperf.CodeConflict, "key %d is already revoked", id)
		}
		now := d.now()
		if err := c.exec(ctx, `UPDATE keys SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
			return err
		}
		k.RevokedAt = parseTimePtr(sql.NullString{String: now, Valid: true})
		out = k
		return c.audit(ctx, caller.ID, medperf.ActionRevoke, "key", id, map[string]string{"fingerprint": k.Fingerprint}, k.UserID)
	})
	return out, err
}

// activeKeys returns the unrevoked keys of a user by fingerprint: those a
// result's signature may be checked against.
func (d *DB) activeKeys(ctx context.Context, c conn, userID int64) (map[string]medperf.Key, error) {
	all, err := d.keysOf(ctx, c, userID)
	if err != nil {
		return nil, err
	}
	out := map[string]medperf.Key{}
	for _, k := range all {
		if !k.Revoked() {
			out[k.Fingerprint] = k
		}
	}
	return out, nil
}
