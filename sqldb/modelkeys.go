package sqldb

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

var _ medperf.ModelKeyService = (*DB)(nil)

const modelKeyCols = `k.id, k.benchmark_id, k.model_id, k.user_id, u.email, k.fingerprints, k.wrapped_key, k.granted_by, k.created_at`

const modelKeyFrom = ` FROM model_keys k JOIN users u ON u.id = k.user_id `

// scanModelKey reads modelKeyCols; the wrapped text is kept only when
// withText says so, so that no listing carries it by mistake.
func scanModelKey(s interface{ Scan(...any) error }, withText bool) (*medperf.ModelKey, error) {
	var k medperf.ModelKey
	var fps, created string
	if err := s.Scan(&k.ID, &k.BenchmarkID, &k.ModelID, &k.UserID, &k.Email, &fps, &k.WrappedKey, &k.GrantedBy, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fps), &k.Fingerprints); err != nil {
		return nil, err
	}
	if !withText {
		k.WrappedKey = ""
	}
	k.CreatedAt = parseTime(created)
	return &k, nil
}

// modelScope is what every grant rule needs of a (benchmark, model) pair.
type modelScope struct {
	benchmarkID, modelID int64
	owner                int64
	approved             bool
}

// loadModelScope loads the pair: CodeNotFound for a benchmark that does not
// exist or a model that does not exist or is not a model.
func loadModelScope(ctx context.Context, c conn, benchmarkID, modelID int64) (*modelScope, error) {
	var ref int64
	err := c.row(ctx, `SELECT reference_model FROM benchmarks WHERE id = ?`, benchmarkID).Scan(&ref)
	if noRows(err) {
		return nil, notFound("benchmark", benchmarkID)
	}
	if err != nil {
		return nil, err
	}
	m, err := getComponent(ctx, c, medperf.KindModel, modelID)
	if err != nil {
		return nil, err
	}
	if !m.isModel {
		return nil, notFound("model", modelID)
	}
	s := &modelScope{benchmarkID: benchmarkID, modelID: modelID, owner: m.owner, approved: modelID == ref}
	if !s.approved {
		a, err := latestAssociation(ctx, c, benchmarkID, medperf.KindModel, modelID)
		if err != nil {
			return nil, err
		}
		s.approved = a != nil && a.ApprovalStatus == medperf.StatusApproved
	}
	return s, nil
}

// requireOwner refuses a caller other than the model's owner; admins
// included, since they do not hold the model's secret.
func (s *modelScope) requireOwner(caller *medperf.User, verb string) error {
	if caller.ID != s.owner {
		return medperf.Errorf(medperf.CodeForbidden, "only the owner of model %d %s its access grants", s.modelID, verb)
	}
	return nil
}

// approvedDatasetsOf returns the ids of user's datasets whose latest
// association with the benchmark is APPROVED.
func approvedDatasetsOf(ctx context.Context, c conn, benchmarkID, userID int64) ([]int64, error) {
	rows, err := c.query(ctx, `SELECT a.component_id FROM associations a JOIN datasets d ON d.id = a.component_id
		WHERE a.benchmark_id = ? AND a.kind = ? AND a.approval_status = ? AND d.owner = ? AND `+latestOnly+`
		ORDER BY a.component_id`, benchmarkID, medperf.KindDataset, medperf.StatusApproved, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// recipientKeys returns the user's unrevoked keys, parsed.
func (d *DB) recipientKeys(ctx context.Context, c conn, userID int64) ([]trust.PublicKey, error) {
	all, err := d.keysOf(ctx, c, userID)
	if err != nil {
		return nil, err
	}
	var out []trust.PublicKey
	for _, k := range all {
		if k.Revoked() {
			continue
		}
		pub, err := trust.ParsePublicKey(k.PublicKey)
		if err != nil {
			return nil, internal(err)
		}
		out = append(out, pub)
	}
	return out, nil
}

// checkRecipient applies the grant rules to user and the wrapped text and
// returns the fingerprints of the user's keys the text is wrapped for.
func (d *DB) checkRecipient(ctx context.Context, c conn, s *modelScope, in medperf.ModelKeyInput) ([]string, error) {
	if !s.approved {
		return nil, medperf.Errorf(medperf.CodeConflict, "model %d is not approved in benchmark %d: access is granted only to an approved model's data owners", s.modelID, s.benchmarkID)
	}
	datasets, err := approvedDatasetsOf(ctx, c, s.benchmarkID, in.UserID)
	if err != nil {
		return nil, err
	}
	if len(datasets) == 0 {
		return nil, &medperf.Error{Code: medperf.CodeConflict, Field: "user_id",
			Message: fmt.Sprintf("user %d has no dataset approved in benchmark %d: access is granted only to its data owners", in.UserID, s.benchmarkID)}
	}
	keys, err := d.recipientKeys(ctx, c, in.UserID)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, &medperf.Error{Code: medperf.CodeConflict, Field: "user_id",
			Message: fmt.Sprintf("user %d has no registered key: they must run 'medperf keys create' before a key can be wrapped for them", in.UserID)}
	}
	matched, err := trust.WrappedFor([]byte(in.WrappedKey), keys...)
	if medperf.ErrorCode(err) == medperf.CodeTooLarge {
		return nil, medperf.FieldError("wrapped_key", "is over %d bytes", medperf.MaxWrappedKey)
	}
	if err != nil {
		return nil, err
	}
	if len(matched) == 0 {
		return nil, medperf.FieldError("wrapped_key", "is not wrapped for any unrevoked key of user %d: wrap it for the keys 'medperf keys ls --user %d' lists", in.UserID, in.UserID)
	}
	fps := make([]string, len(matched))
	for i, k := range matched {
		fps[i] = k.Fingerprint()
	}
	return fps, nil
}

// ownerWrite runs fn in a write transaction once the caller is known to
// own the model of the pair (verb says what only the owner does, for the
// refusal); fn gets the caller and the pair's scope.
func (d *DB) ownerWrite(ctx context.Context, benchmarkID, modelID int64, verb string, fn func(c conn, caller *medperf.User, s *modelScope) error) error {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return err
	}
	return d.write(ctx, func(c conn) error {
		s, err := loadModelScope(ctx, c, benchmarkID, modelID)
		if err != nil {
			return err
		}
		if err := s.requireOwner(caller, verb); err != nil {
			return err
		}
		return fn(c, caller, s)
	})
}

// GrantModelKey implements medperf.ModelKeyService.
func (d *DB) GrantModelKey(ctx context.Context, benchmarkID, modelID int64, in medperf.ModelKeyInput) (*medperf.ModelKey, error) {
	var out *medperf.ModelKey
	err := d.ownerWrite(ctx, benchmarkID, modelID, "grants", func(c conn, caller *medperf.User, s *modelScope) error {
		if err := in.Validate(); err != nil {
			return err
		}
		fps, err := d.checkRecipient(ctx, c, s, in)
		if err != nil {
			return err
		}
		out, err = d.storeGrant(ctx, c, caller, s, in, fps)
		return err
	})
	return out, err
}

// storeGrant writes the grant, replacing the user's earlier one, and its
// audit event (never the wrapped text).
func (d *DB) storeGrant(ctx context.Context, c conn, caller *medperf.User, s *modelScope, in medperf.ModelKeyInput, fps []string) (*medperf.ModelKey, error) {
	fpsJSON, err := json.Marshal(fps)
	if err != nil {
		return nil, err
	}
	var id int64
	action := medperf.ActionUpdate
	err = c.row(ctx, `SELECT id FROM model_keys WHERE benchmark_id = ? AND model_id = ? AND user_id = ?`, s.benchmarkID, s.modelID, in.UserID).Scan(&id)
	switch {
	case noRows(err):
		action = medperf.ActionCreate
		id, err = c.insert(ctx, `INSERT INTO model_keys (benchmark_id, model_id, user_id, wrapped_key, fingerprints, granted_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, s.benchmarkID, s.modelID, in.UserID, in.WrappedKey, string(fpsJSON), caller.ID, d.now())
	case err == nil:
		err = c.exec(ctx, `UPDATE model_keys SET wrapped_key = ?, fingerprints = ?, granted_by = ?, created_at = ? WHERE id = ?`,
			in.WrappedKey, string(fpsJSON), caller.ID, d.now(), id)
	}
	if err != nil {
		return nil, err
	}
	out, err := scanModelKey(c.row(ctx, `SELECT `+modelKeyCols+modelKeyFrom+`WHERE k.id = ?`, id), false)
	if err != nil {
		return nil, err
	}
	return out, c.audit(ctx, caller.ID, action, "model_key", id,
		map[string]any{"benchmark": s.benchmarkID, "model": s.modelID, "user": in.UserID, "fingerprints": fps}, in.UserID)
}

// GetModelKey implements medperf.ModelKeyService.
func (d *DB) GetModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*medperf.ModelKey, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	c := d.read()
	s, err := loadModelScope(ctx, c, benchmarkID, modelID)
	if err != nil {
		return nil, internal(err)
	}
	if userID != caller.ID {
		return nil, medperf.Errorf(medperf.CodeForbidden, "a wrapped model key is readable only by the data owner it was wrapped for")
	}
	k, err := scanModelKey(c.row(ctx, `SELECT `+modelKeyCols+modelKeyFrom+`WHERE k.benchmark_id = ? AND k.model_id = ? AND k.user_id = ?`,
		benchmarkID, modelID, userID), true)
	if noRows(err) {
		return nil, medperf.Errorf(medperf.CodeForbidden, "no access grant for model %d in benchmark %d: ask its owner to run 'medperf model grant-access'", modelID, benchmarkID)
	}
	if err != nil {
		return nil, internal(err)
	}
	datasets, err := approvedDatasetsOf(ctx, c, benchmarkID, userID)
	if err != nil {
		return nil, internal(err)
	}
	if !s.approved || len(datasets) == 0 {
		return nil, medperf.Errorf(medperf.CodeForbidden, "your access grant for model %d in benchmark %d lapsed: the model, or every dataset of yours, is no longer approved in the benchmark", modelID, benchmarkID)
	}
	return k, nil
}

// RevokeModelKey implements medperf.ModelKeyService.
func (d *DB) RevokeModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*medperf.ModelKey, error) {
	var out *medperf.ModelKey
	err := d.ownerWrite(ctx, benchmarkID, modelID, "revokes", func(c conn, caller *medperf.User, _ *modelScope) error {
		var err error
		out, err = scanModelKey(c.row(ctx, `SELECT `+modelKeyCols+modelKeyFrom+`WHERE k.benchmark_id = ? AND k.model_id = ? AND k.user_id = ?`,
			benchmarkID, modelID, userID), false)
		if noRows(err) {
			return medperf.Errorf(medperf.CodeNotFound, "user %d holds no access grant for model %d in benchmark %d", userID, modelID, benchmarkID)
		}
		if err != nil {
			return err
		}
		if err := c.exec(ctx, `DELETE FROM model_keys WHERE id = ?`, out.ID); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionRevoke, "model_key", out.ID,
			map[string]any{"benchmark": benchmarkID, "model": modelID, "user": userID}, userID)
	})
	return out, err
}

// DeleteModelKeys implements medperf.ModelKeyService: one audit event per
// key removed, so that each recipient sees its own.
func (d *DB) DeleteModelKeys(ctx context.Context, benchmarkID, modelID int64) (*medperf.DeletedKeys, error) {
	var out *medperf.DeletedKeys
	err := d.ownerWrite(ctx, benchmarkID, modelID, "deletes", func(c conn, caller *medperf.User, _ *modelScope) error {
		grants, err := d.grantsOf(ctx, c, benchmarkID, modelID, 0)
		if err != nil {
			return err
		}
		if err := c.exec(ctx, `DELETE FROM model_keys WHERE benchmark_id = ? AND model_id = ?`, benchmarkID, modelID); err != nil {
			return err
		}
		for _, g := range grants {
			if err := c.audit(ctx, caller.ID, medperf.ActionDelete, "model_key", g.ID,
				map[string]any{"benchmark": benchmarkID, "model": modelID, "user": g.UserID}, g.UserID); err != nil {
				return err
			}
		}
		out = &medperf.DeletedKeys{Deleted: len(grants)}
		return nil
	})
	return out, err
}

// grantsOf returns the grants of the pair without their text, of one user
// when userID is not 0.
func (d *DB) grantsOf(ctx context.Context, c conn, benchmarkID, modelID, userID int64) ([]medperf.ModelKey, error) {
	q := `SELECT ` + modelKeyCols + modelKeyFrom + `WHERE k.benchmark_id = ? AND k.model_id = ?`
	args := []any{benchmarkID, modelID}
	if userID != 0 {
		q += ` AND k.user_id = ?`
		args = append(args, userID)
	}
	rows, err := c.query(ctx, q+` ORDER BY k.user_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []medperf.ModelKey{}
	for rows.Next() {
		k, err := scanModelKey(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *k)
	}
	return out, rows.Err()
}

// ModelAccess implements medperf.ModelKeyService.
func (d *DB) ModelAccess(ctx context.Context, benchmarkID, modelID int64) (*medperf.ModelAccess, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := d.modelAccess(ctx, d.read(), caller, benchmarkID, modelID)
	return out, internal(err)
}

func (d *DB) modelAccess(ctx context.Context, c conn, caller *medperf.User, benchmarkID, modelID int64) (*medperf.ModelAccess, error) {
	s, err := loadModelScope(ctx, c, benchmarkID, modelID)
	if err != nil {
		return nil, err
	}
	a := &medperf.ModelAccess{BenchmarkID: benchmarkID, ModelID: modelID, ModelApproved: s.approved, CanGrant: caller.ID == s.owner}
	err = c.row(ctx, `SELECT auto_grant FROM model_access WHERE benchmark_id = ? AND model_id = ?`, benchmarkID, modelID).Scan(&a.AutoGrant)
	if err != nil && !noRows(err) {
		return nil, err
	}
	seesAll := caller.ID == s.owner || caller.IsAdmin
	only := caller.ID
	if seesAll {
		only = 0
	}
	if a.Grants, err = d.grantsOf(ctx, c, benchmarkID, modelID, only); err != nil {
		return nil, err
	}
	granted := map[int64]bool{}
	for _, g := range a.Grants {
		granted[g.UserID] = true
	}
	a.Granted = granted[caller.ID]
	if seesAll {
		a.Eligible, err = d.eligible(ctx, c, benchmarkID, granted)
	}
	return a, err
}

// eligible lists the data owners with a dataset approved in the benchmark,
// each with its unrevoked keys.
func (d *DB) eligible(ctx context.Context, c conn, benchmarkID int64, granted map[int64]bool) ([]medperf.AccessCandidate, error) {
	rows, err := c.query(ctx, `SELECT d.owner, u.name, u.email, a.component_id FROM associations a
		JOIN datasets d ON d.id = a.component_id JOIN users u ON u.id = d.owner
		WHERE a.benchmark_id = ? AND a.kind = ? AND a.approval_status = ? AND `+latestOnly+`
		ORDER BY d.owner, a.component_id`, benchmarkID, medperf.KindDataset, medperf.StatusApproved)
	if err != nil {
		return nil, err
	}
	var out []medperf.AccessCandidate
	for rows.Next() {
		var cand medperf.AccessCandidate
		var dataset int64
		if err := rows.Scan(&cand.UserID, &cand.Name, &cand.Email, &dataset); err != nil {
			rows.Close()
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].UserID == cand.UserID {
			out[n-1].Datasets = append(out[n-1].Datasets, dataset)
			continue
		}
		cand.Datasets, cand.Granted = []int64{dataset}, granted[cand.UserID]
		out = append(out, cand)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Keys, err = d.activeKeyList(ctx, c, out[i].UserID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// activeKeyList returns the user's unrevoked keys, oldest first.
func (d *DB) activeKeyList(ctx context.Context, c conn, userID int64) ([]medperf.Key, error) {
	all, err := d.keysOf(ctx, c, userID)
	if err != nil {
		return nil, err
	}
	out := []medperf.Key{}
	for _, k := range all {
		if !k.Revoked() {
			out = append(out, k)
		}
	}
	return out, nil
}

// SetModelAccess implements medperf.ModelKeyService.
func (d *DB) SetModelAccess(ctx context.Context, benchmarkID, modelID int64, p medperf.ModelAccessPatch) (*medperf.ModelAccess, error) {
	err := d.ownerWrite(ctx, benchmarkID, modelID, "sets", func(c conn, caller *medperf.User, _ *modelScope) error {
		if err := p.Validate(); err != nil {
			return err
		}
		if err := c.exec(ctx, `INSERT INTO model_access (benchmark_id, model_id, auto_grant, modified_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (benchmark_id, model_id) DO UPDATE SET auto_grant = excluded.auto_grant, modified_at = excluded.modified_at`,
			benchmarkID, modelID, *p.AutoGrant, d.now()); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionUpdate, "model_access", modelID,
			map[string]any{"benchmark": benchmarkID, "model": modelID, "auto_grant": *p.AutoGrant})
	})
	if err != nil {
		return nil, err
	}
	return d.ModelAccess(ctx, benchmarkID, modelID)
}
