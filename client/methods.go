package client

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/medperf/medperf"
)

// Version is the body of GET /api/v1/version.
type Version struct {
	Version    string `json:"version"`
	APIVersion string `json:"api_version"`
}

// Version returns the server's version; it needs no token.
func (c *Client) Version(ctx context.Context) (*Version, error) {
	return get[*Version](ctx, c, "/version", nil)
}

// OpenAPI returns the server's OpenAPI document; it needs no token.
func (c *Client) OpenAPI(ctx context.Context) (map[string]any, error) {
	return get[map[string]any](ctx, c, "/openapi.json", nil)
}

// Me returns the account of the client's token.
func (c *Client) Me(ctx context.Context) (*medperf.User, error) {
	return get[*medperf.User](ctx, c, "/me", nil)
}

// Authenticate returns the user of secret (GET /me with that token).
func (c *Client) Authenticate(ctx context.Context, secret string) (*medperf.User, error) {
	other := *c
	other.token = secret
	return other.Me(ctx)
}

// CreateUser calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) CreateUser(ctx context.Context, u medperf.NewUser) (*medperf.CreatedUser, error) {
	return send[*medperf.CreatedUser](ctx, c, "POST", "/users", u)
}

// GetUser calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) GetUser(ctx context.Context, id int64) (*medperf.User, error) {
	return get[*medperf.User](ctx, c, path("/users/%d", id), nil)
}

// UserCard calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) UserCard(ctx context.Context, id int64) (*medperf.UserCard, error) {
	return get[*medperf.UserCard](ctx, c, path("/users/%d/card", id), nil)
}

// ListUsers calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListUsers(ctx context.Context, p medperf.Page) (*medperf.List[medperf.User], error) {
	return get[*medperf.List[medperf.User]](ctx, c, "/users", pageQuery(p))
}

// CreateToken calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) CreateToken(ctx context.Context, name string) (*medperf.NewToken, error) {
	return send[*medperf.NewToken](ctx, c, "POST", "/me/tokens", map[string]string{"name": name})
}

// ListTokens calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListTokens(ctx context.Context) ([]medperf.Token, error) {
	return get[[]medperf.Token](ctx, c, "/me/tokens", nil)
}

// RevokeToken calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) RevokeToken(ctx context.Context, id int64) error {
	_, err := c.do(ctx, "DELETE", path("/me/tokens/%d", id), nil, nil, nil)
	return err
}

// CreateContainer calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) CreateContainer(ctx context.Context, in medperf.ContainerInput) (*medperf.Container, error) {
	return send[*medperf.Container](ctx, c, "POST", "/containers", in)
}

// GetContainer calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) GetContainer(ctx context.Context, id int64) (*medperf.Container, error) {
	return get[*medperf.Container](ctx, c, path("/containers/%d", id), nil)
}

// ListContainers calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListContainers(ctx context.Context, f medperf.ContainerFilter) (*medperf.List[medperf.Container], error) {
	q := pageQuery(f.Page)
	addInt(q, "owner", f.Owner)
	addStr(q, "state", string(f.State))
	addStr(q, "name", f.Name)
	if f.IsModel != nil {
		q.Set("is_model", strconv.FormatBool(*f.IsModel))
	}
	return get[*medperf.List[medperf.Container]](ctx, c, "/containers", q)
}

// UpdateContainer calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) UpdateContainer(ctx context.Context, id int64, p medperf.ContainerPatch) (*medperf.Container, error) {
	return send[*medperf.Container](ctx, c, "PATCH", path("/containers/%d", id), p)
}

// CreateBenchmark calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) CreateBenchmark(ctx context.Context, in medperf.BenchmarkInput) (*medperf.Benchmark, error) {
	return send[*medperf.Benchmark](ctx, c, "POST", "/benchmarks", in)
}

// GetBenchmark calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) GetBenchmark(ctx context.Context, id int64) (*medperf.Benchmark, error) {
	return get[*medperf.Benchmark](ctx, c, path("/benchmarks/%d", id), nil)
}

// ListBenchmarks calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListBenchmarks(ctx context.Context, f medperf.BenchmarkFilter) (*medperf.List[medperf.Benchmark], error) {
	q := pageQuery(f.Page)
	addInt(q, "owner", f.Owner)
	addStr(q, "state", string(f.State))
	addStr(q, "approval_status", string(f.ApprovalStatus))
	addStr(q, "name", f.Name)
	return get[*medperf.List[medperf.Benchmark]](ctx, c, "/benchmarks", q)
}

// UpdateBenchmark calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) UpdateBenchmark(ctx context.Context, id int64, p medperf.BenchmarkPatch) (*medperf.Benchmark, error) {
	return send[*medperf.Benchmark](ctx, c, "PATCH", path("/benchmarks/%d", id), p)
}

// CreateDataset calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) CreateDataset(ctx context.Context, in medperf.DatasetInput) (*medperf.Dataset, error) {
	return send[*medperf.Dataset](ctx, c, "POST", "/datasets", in)
}

// GetDataset calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) GetDataset(ctx context.Context, id int64) (*medperf.Dataset, error) {
	return get[*medperf.Dataset](ctx, c, path("/datasets/%d", id), nil)
}

// ListDatasets calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListDatasets(ctx context.Context, f medperf.DatasetFilter) (*medperf.List[medperf.Dataset], error) {
	q := pageQuery(f.Page)
	addInt(q, "owner", f.Owner)
	addStr(q, "state", string(f.State))
	addInt(q, "preparator", f.Preparator)
	addStr(q, "generated_uid", f.GeneratedUID)
	return get[*medperf.List[medperf.Dataset]](ctx, c, "/datasets", q)
}

// UpdateDataset calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) UpdateDataset(ctx context.Context, id int64, p medperf.DatasetPatch) (*medperf.Dataset, error) {
	return send[*medperf.Dataset](ctx, c, "PATCH", path("/datasets/%d", id), p)
}

// kindPath is the path segment of a component kind.
func kindPath(k medperf.ComponentKind) string { return string(k) + "s" }

// RequestAssociation calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) RequestAssociation(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, r medperf.AssociationRequest) (*medperf.Association, error) {
	return send[*medperf.Association](ctx, c, "POST", path("/benchmarks/%d/", benchmarkID)+kindPath(kind), r)
}

// DecideAssociation calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) DecideAssociation(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, componentID int64, d medperf.AssociationDecision) (*medperf.Association, error) {
	return send[*medperf.Association](ctx, c, "PATCH", path("/benchmarks/%d/", benchmarkID)+kindPath(kind)+path("/%d", componentID), d)
}

// ListAssociations lists the latest rows of one benchmark's pairs of one
// kind: BenchmarkID and Kind are required by the API.
func (c *Client) ListAssociations(ctx context.Context, f medperf.AssociationFilter) (*medperf.List[medperf.Association], error) {
	if f.BenchmarkID <= 0 || (f.Kind != medperf.KindDataset && f.Kind != medperf.KindModel) {
		return nil, medperf.FieldError("benchmark", "listing associations needs a benchmark id and a kind (dataset or model)")
	}
	q := pageQuery(f.Page)
	addInt(q, "component", f.ComponentID)
	addStr(q, "approval_status", string(f.ApprovalStatus))
	return get[*medperf.List[medperf.Association]](ctx, c, path("/benchmarks/%d/", f.BenchmarkID)+kindPath(f.Kind), q)
}

// AssociationHistory calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) AssociationHistory(ctx context.Context, benchmarkID int64, kind medperf.ComponentKind, componentID int64) ([]medperf.Association, error) {
	return get[[]medperf.Association](ctx, c, path("/benchmarks/%d/", benchmarkID)+kindPath(kind)+path("/%d", componentID), nil)
}

// SubmitResult posts a result; created is false when the server returned an
// earlier submission with the same idempotency key.
func (c *Client) SubmitResult(ctx context.Context, in medperf.ResultInput) (*medperf.Result, bool, error) {
	var out medperf.Result
	status, err := c.do(ctx, "POST", "/results", nil, in, &out)
	if err != nil {
		return nil, false, err
	}
	return &out, status == 201, nil
}

// GetResult calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) GetResult(ctx context.Context, id int64) (*medperf.Result, error) {
	return get[*medperf.Result](ctx, c, path("/results/%d", id), nil)
}

// ListResults calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListResults(ctx context.Context, f medperf.ResultFilter) (*medperf.List[medperf.Result], error) {
	q := pageQuery(f.Page)
	addInt(q, "benchmark", f.BenchmarkID)
	addInt(q, "model", f.ModelID)
	addInt(q, "dataset", f.DatasetID)
	addInt(q, "owner", f.Owner)
	return get[*medperf.List[medperf.Result]](ctx, c, "/results", q)
}

// BenchmarkResults lists the results of one benchmark the caller may see.
func (c *Client) BenchmarkResults(ctx context.Context, benchmarkID int64, f medperf.ResultFilter) (*medperf.List[medperf.Result], error) {
	q := pageQuery(f.Page)
	addInt(q, "model", f.ModelID)
	addInt(q, "dataset", f.DatasetID)
	return get[*medperf.List[medperf.Result]](ctx, c, path("/benchmarks/%d/results", benchmarkID), q)
}

// UpdateResult calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) UpdateResult(ctx context.Context, id int64, p medperf.ResultPatch) (*medperf.Result, error) {
	return send[*medperf.Result](ctx, c, "PATCH", path("/results/%d", id), p)
}

// ListAudit calls the API; its contract is that of the medperf.Service method of the same name.
func (c *Client) ListAudit(ctx context.Context, f medperf.AuditFilter) (*medperf.List[medperf.AuditEvent], error) {
	q := pageQuery(f.Page)
	addStr(q, "entity_type", f.EntityType)
	addInt(q, "entity_id", f.EntityID)
	addInt(q, "actor", f.Actor)
	return get[*medperf.List[medperf.AuditEvent]](ctx, c, "/audit", q)
}

func path(format string, id int64) string { return fmt.Sprintf(format, id) }

// pageQuery encodes a page: a keyset page (a cursor, or Keyset from the
// first page) sends cursor, present even when empty, as the API reads it.
func pageQuery(p medperf.Page) url.Values {
	q := url.Values{}
	addInt(q, "limit", int64(p.Limit))
	if p.Keyset || p.Cursor != "" {
		q.Set("cursor", p.Cursor)
		if p.Total {
			q.Set("total", "true")
		}
		return q
	}
	addInt(q, "offset", int64(p.Offset))
	return q
}

func addInt(q url.Values, k string, v int64) {
	if v != 0 {
		q.Set(k, strconv.FormatInt(v, 10))
	}
}

func addStr(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
