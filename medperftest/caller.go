package medperftest

import (
	"context"

	"github.com/medperf/medperf"
)

// AsCaller returns svc with every call made as u, by putting u in the
// context (medperf.WithCaller). It lets tests drive a store directly the
// way the API does for an authenticated request.
func AsCaller(svc medperf.Service, u *medperf.User) medperf.Service { return asCaller{svc, u} }

type asCaller struct {
	s medperf.Service
	u *medperf.User
}

func (a asCaller) c(ctx context.Context) context.Context { return medperf.WithCaller(ctx, a.u) }

func (a asCaller) Authenticate(ctx context.Context, s string) (*medperf.User, error) {
	return a.s.Authenticate(ctx, s)
}
func (a asCaller) CreateUser(ctx context.Context, u medperf.NewUser) (*medperf.CreatedUser, error) {
	return a.s.CreateUser(a.c(ctx), u)
}
func (a asCaller) GetUser(ctx context.Context, id int64) (*medperf.User, error) {
	return a.s.GetUser(a.c(ctx), id)
}
func (a asCaller) UserCard(ctx context.Context, id int64) (*medperf.UserCard, error) {
	return a.s.UserCard(a.c(ctx), id)
}
func (a asCaller) ListUsers(ctx context.Context, p medperf.Page) (*medperf.List[medperf.User], error) {
	return a.s.ListUsers(a.c(ctx), p)
}
func (a asCaller) CreateToken(ctx context.Context, name string) (*medperf.NewToken, error) {
	return a.s.CreateToken(a.c(ctx), name)
}
func (a asCaller) ListTokens(ctx context.Context) ([]medperf.Token, error) {
	return a.s.ListTokens(a.c(ctx))
}
func (a asCaller) RevokeToken(ctx context.Context, id int64) error {
	return a.s.RevokeToken(a.c(ctx), id)
}
func (a asCaller) CreateContainer(ctx context.Context, in medperf.ContainerInput) (*medperf.Container, error) {
	return a.s.CreateContainer(a.c(ctx), in)
}
func (a asCaller) GetContainer(ctx context.Context, id int64) (*medperf.Container, error) {
	return a.s.GetContainer(a.c(ctx), id)
}
func (a asCaller) ListContainers(ctx context.Context, f medperf.ContainerFilter) (*medperf.List[medperf.Container], error) {
	return a.s.ListContainers(a.c(ctx), f)
}
func (a asCaller) UpdateContainer(ctx context.Context, id int64, p medperf.ContainerPatch) (*medperf.Container, error) {
	return a.s.UpdateContainer(a.c(ctx), id, p)
}
func (a asCaller) CreateBenchmark(ctx context.Context, in medperf.BenchmarkInput) (*medperf.Benchmark, error) {
	return a.s.CreateBenchmark(a.c(ctx), in)
}
func (a asCaller) GetBenchmark(ctx context.Context, id int64) (*medperf.Benchmark, error) {
	return a.s.GetBenchmark(a.c(ctx), id)
}
func (a asCaller) ListBenchmarks(ctx context.Context, f medperf.BenchmarkFilter) (*medperf.List[medperf.Benchmark], error) {
	return a.s.ListBenchmarks(a.c(ctx), f)
}
func (a asCaller) UpdateBenchmark(ctx context.Context, id int64, p medperf.BenchmarkPatch) (*medperf.Benchmark, error) {
	return a.s.UpdateBenchmark(a.c(ctx), id, p)
}
func (a asCaller) CreateDataset(ctx context.Context, in medperf.DatasetInput) (*medperf.Dataset, error) {
	return a.s.CreateDataset(a.c(ctx), in)
}
func (a asCaller) GetDataset(ctx context.Context, id int64) (*medperf.Dataset, error) {
	return a.s.GetDataset(a.c(ctx), id)
}
func (a asCaller) ListDatasets(ctx context.Context, f medperf.DatasetFilter) (*medperf.List[medperf.Dataset], error) {
	return a.s.ListDatasets(a.c(ctx), f)
}
func (a asCaller) UpdateDataset(ctx context.Context, id int64, p medperf.DatasetPatch) (*medperf.Dataset, error) {
	return a.s.UpdateDataset(a.c(ctx), id, p)
}
func (a asCaller) RequestAssociation(ctx context.Context, b int64, k medperf.ComponentKind, r medperf.AssociationRequest) (*medperf.Association, error) {
	return a.s.RequestAssociation(a.c(ctx), b, k, r)
}
func (a asCaller) DecideAssociation(ctx context.Context, b int64, k medperf.ComponentKind, id int64, d medperf.AssociationDecision) (*medperf.Association, error) {
	return a.s.DecideAssociation(a.c(ctx), b, k, id, d)
}
func (a asCaller) ListAssociations(ctx context.Context, f medperf.AssociationFilter) (*medperf.List[medperf.Association], error) {
	return a.s.ListAssociations(a.c(ctx), f)
}
func (a asCaller) AssociationHistory(ctx context.Context, b int64, k medperf.ComponentKind, id int64) ([]medperf.Association, error) {
	return a.s.AssociationHistory(a.c(ctx), b, k, id)
}
func (a asCaller) SubmitResult(ctx context.Context, in medperf.ResultInput) (*medperf.Result, bool, error) {
	return a.s.SubmitResult(a.c(ctx), in)
}
func (a asCaller) GetResult(ctx context.Context, id int64) (*medperf.Result, error) {
	return a.s.GetResult(a.c(ctx), id)
}
func (a asCaller) ListResults(ctx context.Context, f medperf.ResultFilter) (*medperf.List[medperf.Result], error) {
	return a.s.ListResults(a.c(ctx), f)
}
func (a asCaller) UpdateResult(ctx context.Context, id int64, p medperf.ResultPatch) (*medperf.Result, error) {
	return a.s.UpdateResult(a.c(ctx), id, p)
}
func (a asCaller) ListAudit(ctx context.Context, f medperf.AuditFilter) (*medperf.List[medperf.AuditEvent], error) {
	return a.s.ListAudit(a.c(ctx), f)
}
