package medperf

import (
	"context"
	"encoding/json"
)

// Service is the whole registry. Package sqldb implements it on the server
// and package client over HTTP; the API, the dashboard, the CLI and tests
// all call it.
//
// The service interfaces are the registry's contract. Every method takes the
// caller from the context (WithCaller) and enforces the rules of this
// package itself, so that the API, the dashboard and tests get the same
// answers. Unless a method says otherwise: a missing caller gives
// CodeUnauthorized; a refused caller CodeForbidden; an id that does not
// exist, or that the caller may not see, CodeNotFound; bad input CodeInvalid
// with the field named; a clash with the current state CodeConflict. A
// method that fails changes nothing. Every change is recorded in the audit
// log in the same transaction.
//
// Any method may also return CodeUnavailable when the database (or, through
// package client, the server) cannot be reached, CodeCanceled when ctx ends
// first, and CodeInternal for anything unexpected. Text over its length
// limit is CodeInvalid; CodeTooLarge comes only from the HTTP layer, for a
// request body over the API's limit.
//
// A List method returns one page of the matching items, lowest id first,
// with the total number of matches; a zero filter field does not filter. A
// Page with a limit outside 0..MaxPageSize (0 means DefaultPageSize) or a
// negative offset is CodeInvalid naming "limit" or "offset".
type Service interface {
	UserService
	ContainerService
	BenchmarkService
	DatasetService
	AssociationService
	ResultService
	AuditService
	UserDirectory
	KeyService
	ModelKeyService
}

// UserService manages accounts and API tokens. Only admins create and list
// accounts; every user manages their own tokens. The defaults of Service
// apply.
type UserService interface {
	// Authenticate returns the user whose unrevoked token is secret. It is
	// the one method that needs no caller. A secret that is malformed,
	// unknown or revoked is CodeUnauthorized, never CodeNotFound.
	Authenticate(ctx context.Context, secret string) (*User, error)

	// CreateUser creates an account and its first token and returns both;
	// the token's secret is shown here only. Only an admin may call it:
	// anyone else gets CodeForbidden before the input is looked at. An
	// email that is missing, malformed or over 256 bytes, or a name over
	// 128 bytes, is CodeInvalid; an email that another account has is
	// CodeConflict on "email".
	CreateUser(ctx context.Context, u NewUser) (*CreatedUser, error)

	// GetUser returns an account. An admin may read any account, any other
	// user only their own: another user's id is CodeNotFound, whether it
	// exists or not, the same answer as an id that does not exist, so ids
	// do not leak.
	GetUser(ctx context.Context, id int64) (*User, error)

	// ListUsers returns a page of all accounts. Only an admin may call it;
	// anyone else gets CodeForbidden.
	ListUsers(ctx context.Context, p Page) (*List[User], error)

	// CreateToken creates an API token for the caller and returns it with
	// its secret, which is never shown again. The name may be empty and
	// need not be unique; over 128 bytes it is CodeInvalid.
	CreateToken(ctx context.Context, name string) (*NewToken, error)

	// ListTokens returns every token of the caller, revoked ones included,
	// oldest first and without their secrets. It is not paged.
	ListTokens(ctx context.Context) ([]Token, error)

	// RevokeToken revokes one of the caller's tokens at once: Authenticate
	// refuses it from then on. Admins too revoke only their own tokens. A
	// token that does not exist or belongs to another user is
	// CodeNotFound; an already revoked one CodeConflict.
	RevokeToken(ctx context.Context, id int64) error
}

// ContainerService manages containers (and so models: a model is a
// container with an infer task). Any user may register and read
// containers; only the owner or an admin edits one. The defaults of Service
// apply.
type ContainerService interface {
	// CreateContainer registers a container owned by the caller, valid, in
	// the state asked for (DEVELOPMENT by default), and returns it with
	// Tasks and IsModel derived from its config. Any user may call it.
	// Fields that ContainerInput.Validate refuses are CodeInvalid. A name
	// that another container has is CodeConflict on "name"; the same image
	// hash, additional files hash, config and parameters as another
	// container is CodeConflict on "image_hash".
	CreateContainer(ctx context.Context, in ContainerInput) (*Container, error)

	// GetContainer returns a container. Any user may read any container,
	// an invalid one included.
	GetContainer(ctx context.Context, id int64) (*Container, error)

	// ListContainers returns a page of the containers that match f; Name
	// matches the whole name exactly. Any user sees every container.
	ListContainers(ctx context.Context, f ContainerFilter) (*List[Container], error)

	// UpdateContainer applies p and returns the container as stored. An id
	// that does not exist is CodeNotFound, then a caller other than the
	// owner or an admin gets CodeForbidden, before p is looked at. Under
	// CheckEdit, a patch that sets no field, moves OPERATION back to
	// DEVELOPMENT, or changes in OPERATION any field but state, is_valid
	// and user_metadata is CodeInvalid (not CodeConflict); so is a change of
	// config while any benchmark names the container. The patched container
	// must pass the checks of CreateContainer, with the same CodeConflict
	// for a name or an identity that another container has.
	UpdateContainer(ctx context.Context, id int64, p ContainerPatch) (*Container, error)

	// SignContainer stores envelope as container id's signature (see
	// Container.Envelope), replacing an earlier one, and returns the
	// container. CodeNotFound for an unknown id; only the owner may sign
	// (CodeForbidden for anyone else, admins included: a signature speaks
	// for its key's account). CodeInvalid on "envelope" when it does not
	// verify against the owner's unrevoked keys or is not about the
	// container's current image digest, config, parameters and additional
	// files.
	SignContainer(ctx context.Context, id int64, envelope json.RawMessage) (*Container, error)
}

// BenchmarkService manages benchmarks. Any user may register one (PENDING,
// at most one pending per user) and read them; the owner or an admin edits
// it; only an admin sets its approval status. The defaults of Service
// apply.
type BenchmarkService interface {
	// CreateBenchmark registers a benchmark owned by the caller, PENDING,
	// valid, in DEVELOPMENT and with auto-approval NEVER unless asked
	// otherwise, and returns it. Any user may call it, and may name anyone's
	// containers. Fields that BenchmarkInput.Validate refuses are
	// CodeInvalid; so is a container that does not exist or lacks the task
	// of its role (prepare, infer, evaluate), on the field that names it,
	// and OPERATION while one of the three containers is not in OPERATION
	// (CheckBenchmarkOperation). A caller who already has a PENDING
	// benchmark, admins included, gets CodeConflict (CheckNewBenchmark), as
	// does a name that another benchmark has.
	CreateBenchmark(ctx context.Context, in BenchmarkInput) (*Benchmark, error)

	// GetBenchmark returns a benchmark. Any user may read any benchmark,
	// whatever its approval status or validity.
	GetBenchmark(ctx context.Context, id int64) (*Benchmark, error)

	// ListBenchmarks returns a page of the benchmarks that match f; Name
	// matches the whole name exactly. Any user sees every benchmark.
	ListBenchmarks(ctx context.Context, f BenchmarkFilter) (*List[Benchmark], error)

	// UpdateBenchmark applies p and returns the benchmark as stored. An id
	// that does not exist is CodeNotFound, then a caller other than the
	// owner or an admin gets CodeForbidden, before p is looked at. Under
	// CheckEdit, a patch that sets no field or moves OPERATION back to
	// DEVELOPMENT is CodeInvalid, and so is, in OPERATION, a change of any
	// field but state, is_valid, user_metadata, approval_status, the
	// auto-approval modes and allowlists, and leaderboard_public. A new
	// approval status follows CheckBenchmarkApproval: a caller who is not
	// an admin, the owner included, gets CodeForbidden; PENDING or an
	// unknown status is CodeInvalid; REJECTED to APPROVED, or the status
	// the benchmark already has, is CodeConflict; an admin may reject an
	// APPROVED benchmark. The patched benchmark must pass the checks of
	// CreateBenchmark but the one-pending rule.
	UpdateBenchmark(ctx context.Context, id int64, p BenchmarkPatch) (*Benchmark, error)
}

// DatasetService manages datasets. Any user may register and read datasets
// (the preparation report is emptied for all but the owner, the
// preparator's owner and admins; the statistics in GeneratedMetadata are
// shown to every user); the owner or an admin edits one. The defaults of
// Service apply.
type DatasetService interface {
	// CreateDataset registers a dataset owned by the caller, valid, in
	// DEVELOPMENT unless asked otherwise, and returns it. Any user may call
	// it, with anyone's preparator. Fields that DatasetInput.Validate
	// refuses are CodeInvalid (OPERATION needs generated_uid), as is a
	// data_preparation_mlcube that does not exist or has no prepare task.
	// In OPERATION, a generated_uid that another OPERATION dataset has is
	// CodeConflict on "generated_uid".
	CreateDataset(ctx context.Context, in DatasetInput) (*Dataset, error)

	// GetDataset returns a dataset, its report emptied unless CanSeeReport
	// allows the caller to read it.
	GetDataset(ctx context.Context, id int64) (*Dataset, error)

	// ListDatasets returns a page of the datasets that match f, each report
	// emptied unless CanSeeReport allows the caller to read it. Any user
	// sees every dataset.
	ListDatasets(ctx context.Context, f DatasetFilter) (*List[Dataset], error)

	// UpdateDataset applies p and returns the dataset as stored. An id that
	// does not exist is CodeNotFound, then a caller other than the owner or
	// an admin gets CodeForbidden, before p is looked at. Under CheckEdit, a
	// patch that sets no field or moves OPERATION back to DEVELOPMENT is
	// CodeInvalid, and so is, in OPERATION, a change of any field but
	// state, is_valid and user_metadata (the report included). The patched
	// dataset must pass the checks of CreateDataset. A stored report is
	// never removed: an empty one in p leaves it as it was.
	UpdateDataset(ctx context.Context, id int64, p DatasetPatch) (*Dataset, error)
}

// AssociationService manages the links of benchmarks with datasets and
// models, under CheckAssociationRequest, AutoApprove,
// CheckAssociationDecision and CheckPriorityChange. The parties of a pair
// are the benchmark's owner, the component's owner and admins. Every
// method expects kind to be KindDataset or KindModel and does not check it:
// its callers do. The defaults of Service apply.
type AssociationService interface {
	// RequestAssociation asks for the component to join the benchmark and
	// returns the new row: APPROVED when AutoApprove says so, PENDING
	// otherwise, with the priority of the pair's previous row (0 for the
	// first). A component id that is not positive, or metadata that is not
	// a JSON object, is CodeInvalid before anything else; a benchmark or
	// component that does not exist is CodeNotFound; a caller who is not a
	// party gets CodeForbidden. A benchmark that is not APPROVED, a
	// component that is invalid or not in OPERATION, or a pair whose latest
	// row is PENDING or APPROVED is CodeConflict. A model that has no infer
	// task, or a dataset prepared with another container than the
	// benchmark's preparator, is CodeInvalid on "component".
	RequestAssociation(ctx context.Context, benchmarkID int64, kind ComponentKind, r AssociationRequest) (*Association, error)

	// DecideAssociation approves, rejects or withdraws the pair, or sets a
	// model's priority, and returns the pair's latest row. Giving neither
	// field, an unknown status, or a priority for a dataset is CodeInvalid
	// before anything else; a benchmark or component that does not exist,
	// or a pair with no row, is CodeNotFound. A priority, set on the latest
	// row whatever its status, is for the benchmark's owner or an admin
	// (CodeForbidden otherwise). A status follows CheckAssociationDecision:
	// only a party decides (CodeForbidden); a PENDING row becomes APPROVED
	// by a party other than the one who asked (CodeForbidden for that one,
	// admins included) or REJECTED by any party; APPROVED to REJECTED is a
	// withdrawal, appended as a new row; PENDING is CodeInvalid; any other
	// change (a REJECTED row, APPROVED again) is CodeConflict. When both
	// fields are given, both apply or neither does.
	DecideAssociation(ctx context.Context, benchmarkID int64, kind ComponentKind, componentID int64, d AssociationDecision) (*Association, error)

	// ListAssociations returns a page of the latest row of each pair that
	// matches f. Any user sees every pair; the metadata only those
	// CanSeeAssociationMetadata allows (others get it empty).
	ListAssociations(ctx context.Context, f AssociationFilter) (*List[Association], error)

	// AssociationHistory returns every row of a pair, oldest first, not
	// paged. Any user may read any pair, its metadata as in
	// ListAssociations. A benchmark that does not exist,
	// or a pair with no row, is CodeNotFound.
	AssociationHistory(ctx context.Context, benchmarkID int64, kind ComponentKind, componentID int64) ([]Association, error)
}

// ResultService manages results under CheckResultAllowed and CanSeeResult:
// an admin and the owners of a result's benchmark, model and dataset see
// it; to anyone else it does not exist (CodeNotFound). A result is owned by
// the user who submitted it. The defaults of Service apply.
type ResultService interface {
	// SubmitResult records a result owned by the caller, finalized unless
	// in.Finalized is false, and returns it with created true. Fields that
	// ResultInput.Validate refuses are CodeInvalid before anything else. A
	// submission with the idempotency key of an earlier one by the same
	// caller returns that result and created false without further checks
	// (its metrics may differ); the same key with another benchmark, model
	// or dataset is CodeConflict on "idempotency_key". A benchmark, model
	// or dataset that does not exist is CodeNotFound; a caller who is
	// neither the dataset's owner nor an admin gets CodeForbidden. Unless
	// the model is the benchmark's reference model, the latest rows of both
	// the dataset's and the model's associations with the benchmark must be
	// APPROVED (CodeConflict otherwise). Metrics that break the benchmark's
	// declared metrics are CodeInvalid (CodeConflict when the declaration
	// itself no longer parses). A second finalized result for the same
	// benchmark, model and dataset is CodeConflict.
	SubmitResult(ctx context.Context, in ResultInput) (r *Result, created bool, err error)

	// GetResult returns a result the caller may see.
	GetResult(ctx context.Context, id int64) (*Result, error)

	// ListResults returns a page of the results that match f among those
	// the caller may see; the others are neither listed nor counted.
	ListResults(ctx context.Context, f ResultFilter) (*List[Result], error)

	// UpdateResult applies p and returns the result as stored. A result the
	// caller may not see is CodeNotFound; a caller who sees it but is
	// neither its owner nor an admin gets CodeForbidden, before p is looked
	// at. Under CheckResultPatch, a patch that sets no field is CodeInvalid;
	// a draft may change its metrics (checked as SubmitResult checks them)
	// and be finalized, which is CodeConflict when the benchmark, model and
	// dataset already have a finalized result; a finalized result changes
	// only is_valid and user_metadata: new metrics are CodeConflict,
	// finalized false is CodeInvalid. Finalizing a draft does not check its
	// associations again.
	UpdateResult(ctx context.Context, id int64, p ResultPatch) (*Result, error)
}

// AuditService reads the audit log. The log is append-only: the other
// services add events, and nothing changes or removes one. The defaults of
// Service apply.
type AuditService interface {
	// ListAudit returns a page of the events that match f. An admin sees
	// every event; any other user the events they caused and those that
	// named them as viewers when written: the creation of their account,
	// changes to the entities they own, to the associations of their
	// benchmarks, datasets and models, and to the results they may see. A
	// dataset's report is never recorded.
	ListAudit(ctx context.Context, f AuditFilter) (*List[AuditEvent], error)
}
