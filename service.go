package medperf

import "context"

// The service interfaces are the registry's contract. Every method takes the
// caller from the context (WithCaller) and enforces the rules of this
// package itself, so that the API, the dashboard and tests get the same
// answers. Unless a method says otherwise: a missing caller gives
// CodeUnauthorized; a refused caller CodeForbidden; an id that does not
// exist, or that the caller may not see, CodeNotFound; bad input CodeInvalid
// with the field named; a clash with the current state CodeConflict. A
// method that fails changes nothing. Every change is recorded in the audit
// log in the same transaction.

// UserService manages accounts and API tokens.
type UserService interface {
	// Authenticate returns the user whose unrevoked token is secret, or
	// CodeUnauthorized. It needs no caller.
	Authenticate(ctx context.Context, secret string) (*User, error)
	// CreateUser creates an account and its first token (admin only).
	CreateUser(ctx context.Context, u NewUser) (*CreatedUser, error)
	// GetUser returns an account (admin, or the user themself).
	GetUser(ctx context.Context, id int64) (*User, error)
	// ListUsers lists accounts (admin only).
	ListUsers(ctx context.Context, p Page) (*List[User], error)
	// CreateToken creates a token for the caller; its secret is returned once.
	CreateToken(ctx context.Context, name string) (*NewToken, error)
	// ListTokens lists the caller's tokens, revoked ones included.
	ListTokens(ctx context.Context) ([]Token, error)
	// RevokeToken revokes one of the caller's tokens; another user's token
	// is CodeNotFound, an already revoked one CodeConflict.
	RevokeToken(ctx context.Context, id int64) error
}

// ContainerService manages containers (and so models). Any user may
// register and read containers; only the owner or an admin edits one.
type ContainerService interface {
	CreateContainer(ctx context.Context, in ContainerInput) (*Container, error)
	GetContainer(ctx context.Context, id int64) (*Container, error)
	ListContainers(ctx context.Context, f ContainerFilter) (*List[Container], error)
	UpdateContainer(ctx context.Context, id int64, p ContainerPatch) (*Container, error)
}

// BenchmarkService manages benchmarks. Any user may register one (PENDING,
// at most one pending per user) and read them; the owner or an admin edits
// it; only an admin sets its approval status.
type BenchmarkService interface {
	CreateBenchmark(ctx context.Context, in BenchmarkInput) (*Benchmark, error)
	GetBenchmark(ctx context.Context, id int64) (*Benchmark, error)
	ListBenchmarks(ctx context.Context, f BenchmarkFilter) (*List[Benchmark], error)
	UpdateBenchmark(ctx context.Context, id int64, p BenchmarkPatch) (*Benchmark, error)
}

// DatasetService manages datasets. Any user may register and read datasets
// (the preparation report is emptied for all but the owner, the
// preparator's owner and admins); the owner or an admin edits one.
type DatasetService interface {
	CreateDataset(ctx context.Context, in DatasetInput) (*Dataset, error)
	GetDataset(ctx context.Context, id int64) (*Dataset, error)
	ListDatasets(ctx context.Context, f DatasetFilter) (*List[Dataset], error)
	UpdateDataset(ctx context.Context, id int64, p DatasetPatch) (*Dataset, error)
}

// AssociationService manages the links of benchmarks with datasets and
// models, under CheckAssociationRequest, AutoApprove,
// CheckAssociationDecision and CheckPriorityChange.
type AssociationService interface {
	// RequestAssociation appends a PENDING row (or APPROVED, when
	// AutoApprove says so) for the pair.
	RequestAssociation(ctx context.Context, benchmarkID int64, kind ComponentKind, r AssociationRequest) (*Association, error)
	// DecideAssociation approves, rejects or withdraws the pair, or sets a
	// model's priority, and returns the pair's latest row.
	DecideAssociation(ctx context.Context, benchmarkID int64, kind ComponentKind, componentID int64, d AssociationDecision) (*Association, error)
	// ListAssociations lists the latest row of each pair (any user).
	ListAssociations(ctx context.Context, f AssociationFilter) (*List[Association], error)
	// AssociationHistory returns every row of a pair, oldest first (any user).
	AssociationHistory(ctx context.Context, benchmarkID int64, kind ComponentKind, componentID int64) ([]Association, error)
}

// ResultService manages results under CheckResultAllowed and CanSeeResult.
type ResultService interface {
	// SubmitResult records a result. A submission with the idempotency key
	// of an earlier one by the same caller returns that result and created
	// false; a second finalized result for the same benchmark, model and
	// dataset is CodeConflict.
	SubmitResult(ctx context.Context, in ResultInput) (r *Result, created bool, err error)
	GetResult(ctx context.Context, id int64) (*Result, error)
	// ListResults lists the results the caller may see.
	ListResults(ctx context.Context, f ResultFilter) (*List[Result], error)
	// UpdateResult changes a draft result, or is_valid/user_metadata of a
	// finalized one (the owner or an admin).
	UpdateResult(ctx context.Context, id int64, p ResultPatch) (*Result, error)
}

// AuditService reads the audit log: an admin sees every event, any other
// user the events of entities they own (or that involve them).
type AuditService interface {
	ListAudit(ctx context.Context, f AuditFilter) (*List[AuditEvent], error)
}

// Service is the whole registry.
type Service interface {
	UserService
	ContainerService
	BenchmarkService
	DatasetService
	AssociationService
	ResultService
	AuditService
}
