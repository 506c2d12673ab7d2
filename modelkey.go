package medperf

import (
	"context"
	"strings"
	"time"
)

// Access grants for private models (MedPerf's encrypted containers). A
// model owner's secret, the passphrase of the model's encrypted image
// archive, is wrapped on the owner's machine with age for the registered
// identity keys of each data owner granted access, and the registry keeps
// only that wrapped text: it never sees the secret. MedPerf wraps with
// RSA-OAEP for certificates of its CA; medperf wraps for the ed25519 keys
// accounts register (`medperf keys create`), so no CA is needed.

// ModelKey is a model owner's secret wrapped for one data owner, for one
// model in one benchmark: an access grant. WrappedKey is filled only for
// the data owner it was wrapped for (GetModelKey); Fingerprints are the
// recipient's registered keys the registry found among its recipients.
// Email is filled for those who may see it: the model's owner and the
// recipient.
type ModelKey struct {
	ID           int64     `json:"id"`
	BenchmarkID  int64     `json:"benchmark_id"`
	ModelID      int64     `json:"model_id"`
	UserID       int64     `json:"user_id"`
	Email        string    `json:"email,omitempty"`
	Fingerprints []string  `json:"fingerprints"`
	WrappedKey   string    `json:"wrapped_key,omitempty"`
	GrantedBy    int64     `json:"granted_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// MaxWrappedKey bounds a wrapped key's text: age's header grows by about
// 200 bytes per recipient, so this leaves room for hundreds of keys.
const MaxWrappedKey = 64 << 10

// WrappedKeyHeader starts every wrapped key: the registry takes age files
// in their ASCII armor only, since they travel as JSON strings.
const WrappedKeyHeader = "-----BEGIN AGE ENCRYPTED FILE-----"

// ModelKeyInput grants one data owner access: the owner's secret wrapped
// with age for that user's registered keys (trust.WrapSecret).
type ModelKeyInput struct {
	UserID     int64  `json:"user_id"`
	WrappedKey string `json:"wrapped_key"`
}

// Validate checks the fields' presence, sizes and form; the store checks
// that the text is wrapped for the user's registered keys.
func (in ModelKeyInput) Validate() error {
	if in.UserID <= 0 {
		return FieldError("user_id", "must be the positive id of the data owner to grant")
	}
	if in.WrappedKey == "" {
		return FieldError("wrapped_key", "is required: the secret wrapped with age for the user's keys")
	}
	if len(in.WrappedKey) > MaxWrappedKey {
		return FieldError("wrapped_key", "is %d bytes; the limit is %d", len(in.WrappedKey), MaxWrappedKey)
	}
	if !strings.HasPrefix(strings.TrimSpace(in.WrappedKey), WrappedKeyHeader) {
		return FieldError("wrapped_key", "is not an ASCII-armored age file (%s)", WrappedKeyHeader)
	}
	return nil
}

// ModelAccess is who may decrypt a private model in a benchmark, as the
// caller may see it. Its owner (and an admin) sees every grant and the data
// owners eligible for one; anyone else only their own grant.
type ModelAccess struct {
	BenchmarkID int64 `json:"benchmark_id"`
	ModelID     int64 `json:"model_id"`
	// AutoGrant is the owner's wish that eligible data owners get a key as
	// they join (`medperf model auto-grant-access` acts on it).
	AutoGrant bool `json:"auto_grant"`
	// ModelApproved says whether the model is approved in the benchmark
	// (or is its reference model): grants need it.
	ModelApproved bool `json:"model_approved"`
	// CanGrant is true for the model's owner, the one who grants.
	CanGrant bool `json:"can_grant"`
	// Granted says whether the caller holds a grant.
	Granted bool       `json:"granted"`
	Grants  []ModelKey `json:"grants"`
	// Eligible lists, for the owner and admins only, the data owners with a
	// dataset approved in the benchmark, and their unrevoked keys.
	Eligible []AccessCandidate `json:"eligible,omitempty"`
}

// AccessCandidate is a data owner a model's owner may grant access to.
type AccessCandidate struct {
	UserID   int64   `json:"user_id"`
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Datasets []int64 `json:"datasets"`
	// Keys are the user's unrevoked keys: those a secret is wrapped for.
	// Empty means the user must run `medperf keys create` first.
	Keys    []Key `json:"keys"`
	Granted bool  `json:"granted"`
}

// ModelAccessPatch changes a model's access settings in a benchmark.
type ModelAccessPatch struct {
	AutoGrant *bool `json:"auto_grant,omitempty"`
}

// Validate refuses a patch that sets nothing.
func (p ModelAccessPatch) Validate() error {
	if p.AutoGrant == nil {
		return FieldError("auto_grant", "is required")
	}
	return nil
}

// DeletedKeys is the answer of DeleteModelKeys.
type DeletedKeys struct {
	Deleted int `json:"deleted"`
}

// ActionDelete is the audit action of a wrapped key removed with all the
// others of its model (DeleteModelKeys).
const ActionDelete = "delete"

// ModelKeyService manages the access grants of private models. Only the
// model's owner grants, revokes and deletes (admins included: they do not
// hold the secret); a data owner reads only its own wrapped key. Every
// grant, revocation and deletion is an audit event, so it lands in the
// transparency log. The defaults of Service apply; in every method a
// benchmark that does not exist, or a model that does not exist or is not a
// model, is CodeNotFound before anything else.
type ModelKeyService interface {
	// GrantModelKey stores in.WrappedKey as user in.UserID's key to the
	// model in the benchmark, replacing the user's earlier one, and returns
	// the grant without its text. A caller other than the model's owner
	// gets CodeForbidden, before the input is looked at; input that
	// ModelKeyInput.Validate refuses is CodeInvalid. A model that is not
	// approved in the benchmark (nor its reference model), a user without
	// a dataset whose latest association with the benchmark is APPROVED
	// (a user that does not exist included), or one without an unrevoked
	// key is CodeConflict. Text that is not an age file, or is not wrapped
	// for any of the user's unrevoked keys, is CodeInvalid on
	// "wrapped_key".
	GrantModelKey(ctx context.Context, benchmarkID, modelID int64, in ModelKeyInput) (*ModelKey, error)

	// GetModelKey returns user userID's grant with its wrapped text. Only
	// that user may read it: anyone else gets CodeForbidden. The caller's
	// own key that does not exist is CodeForbidden (there is no grant: ask
	// the model's owner for one), and so is one whose grant lapsed because
	// the model or all the user's datasets left the benchmark.
	GetModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*ModelKey, error)

	// RevokeModelKey removes user userID's grant and returns it. A caller
	// other than the model's owner gets CodeForbidden; a user without a
	// grant is CodeNotFound.
	RevokeModelKey(ctx context.Context, benchmarkID, modelID, userID int64) (*ModelKey, error)

	// DeleteModelKeys removes every grant of the model in the benchmark and
	// says how many there were (0 is no error). A caller other than the
	// model's owner gets CodeForbidden.
	DeleteModelKeys(ctx context.Context, benchmarkID, modelID int64) (*DeletedKeys, error)

	// ModelAccess returns the model's access in the benchmark as the caller
	// may see it (see ModelAccess). Any signed-in user may call it.
	ModelAccess(ctx context.Context, benchmarkID, modelID int64) (*ModelAccess, error)

	// SetModelAccess applies p and returns the access as ModelAccess does.
	// A caller other than the model's owner gets CodeForbidden, before p is
	// looked at; a patch that sets nothing is CodeInvalid.
	SetModelAccess(ctx context.Context, benchmarkID, modelID int64, p ModelAccessPatch) (*ModelAccess, error)
}
