package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

// The roles of the permission matrix, in the order of its columns.
var roles = []string{"anonymous", "unrelated", "entity owner", "benchmark owner", "model owner", "dataset owner", "admin"}

// cell is what one row needs for one request: the entity's owner, the path
// (under /api/v1) and the body.
type cell struct {
	owner medperftest.User
	path  string
	body  any
}

// permission is one row of the matrix: how to set up a request on a fresh
// World, and the status each role gets.
type permission struct {
	route string // "METHOD /path" as in api.Routes, then optionally " | case"
	setup func(t *testing.T, w *medperftest.World) cell
	want  [7]int
}

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// Setups shared by rows.
func on(owner func(*medperftest.World) medperftest.User, path func(*medperftest.World) string, body func(*medperftest.World) any) func(*testing.T, *medperftest.World) cell {
	return func(_ *testing.T, w *medperftest.World) cell {
		c := cell{owner: owner(w), path: path(w)}
		if body != nil {
			c.body = body(w)
		}
		return c
	}
}

func stranger(w *medperftest.World) medperftest.User { return w.Stranger }
func bOwner(w *medperftest.World) medperftest.User   { return w.BenchmarkOwner }
func mOwner(w *medperftest.World) medperftest.User   { return w.ModelOwner }
func dOwner(w *medperftest.World) medperftest.User   { return w.DataOwner }
func fixed(p string) func(*medperftest.World) string {
	return func(*medperftest.World) string { return p }
}
func benchPath(suffix string) func(*medperftest.World) string {
	return func(w *medperftest.World) string { return fmt.Sprintf("/benchmarks/%d%s", w.Benchmark.ID, suffix) }
}
func noteBody(*medperftest.World) any {
	return map[string]any{"user_metadata": map[string]int{"note": 1}}
}

// associated approves the world's dataset and model and has the data owner
// submit a result for the model; it returns the result.
func associated(t *testing.T, w *medperftest.World) *medperf.Result {
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID,
		DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Statuses, short.
const (
	ok       = 200
	made     = 201
	bad      = 400
	anon     = 401
	no       = 403
	nf       = 404
	conflict = 409
)

// matrix is the whole permission table: every route of the API × every role.
//
//	columns: anonymous, unrelated, entity owner, benchmark owner, model owner, dataset owner, admin
var matrix = []permission{
	{"GET /version", on(stranger, fixed("/version"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
	{"GET /openapi.json", on(stranger, fixed("/openapi.json"), nil), [7]int{ok, ok, ok, ok, ok, ok, ok}},
	{"GET /me", on(stranger, fixed("/me"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"GET /me/tokens", on(stranger, fixed("/me/tokens"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /me/tokens", on(stranger, fixed("/me/tokens"), func(*medperftest.World) any { return map[string]string{"name": "ci"} }),
		[7]int{anon, made, made, made, made, made, made}},
	{"DELETE /me/tokens/{id}", func(t *testing.T, w *medperftest.World) cell {
		owner := w.NewUser(t, "token-owner")
		tok := medperftest.Must[*medperf.NewToken](t)(owner.CreateToken(ctx, "x"))
		return cell{owner: owner, path: fmt.Sprintf("/me/tokens/%d", tok.ID)}
	}, [7]int{anon, nf, ok, nf, nf, nf, nf}},
	{"GET /users", on(stranger, fixed("/users"), nil), [7]int{anon, no, no, no, no, no, ok}},
	{"POST /users", on(stranger, fixed("/users"), func(*medperftest.World) any {
		return medperf.NewUser{Email: fmt.Sprintf("new-%s@example.org", medperftest.Hash(fmt.Sprint(seq()))[:8])}
	}), [7]int{anon, no, no, no, no, no, made}},
	{"GET /users/{id}", func(t *testing.T, w *medperftest.World) cell {
		u := w.NewUser(t, "subject")
		return cell{owner: u, path: fmt.Sprintf("/users/%d", u.ID)}
	}, [7]int{anon, nf, ok, nf, nf, nf, ok}},
	{"GET /users/{id}/card", func(t *testing.T, w *medperftest.World) cell {
		u := w.NewUser(t, "subject")
		return cell{owner: u, path: fmt.Sprintf("/users/%d/card", u.ID)}
	}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"GET /users/{id}/card | no such account", on(stranger, fixed("/users/999999/card"), nil), [7]int{anon, nf, nf, nf, nf, nf, nf}},
	{"GET /containers", on(stranger, fixed("/containers?is_model=true"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /containers", on(stranger, fixed("/containers"), func(*medperftest.World) any {
		return medperftest.ContainerInput("new", medperf.StateDevelopment, medperf.TaskInfer)
	}), [7]int{anon, made, made, made, made, made, made}},
	{"GET /containers/{id}", on(mOwner, func(w *medperftest.World) string { return fmt.Sprintf("/containers/%d", w.Model.ID) }, nil),
		[7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /containers/{id}", on(mOwner, func(w *medperftest.World) string { return fmt.Sprintf("/containers/%d", w.Model.ID) }, noteBody),
		[7]int{anon, no, ok, no, ok, no, ok}},
	{"PUT /containers/{id}/signature", func(t *testing.T, w *medperftest.World) cell {
		env := medperftest.SignContainer(t, medperftest.MustIdentity(t, w.ModelOwner), w.Model.Input())
		return cell{owner: w.ModelOwner, path: fmt.Sprintf("/containers/%d/signature", w.Model.ID), body: medperf.ContainerSignature{Envelope: env}}
	}, [7]int{anon, no, ok, no, ok, no, no}},
	{"GET /benchmarks", on(bOwner, fixed("/benchmarks?approval_status=APPROVED"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /benchmarks", on(stranger, fixed("/benchmarks"), func(w *medperftest.World) any {
		return medperftest.BenchmarkInput("new", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	}), [7]int{anon, made, made, made, made, made, made}},
	{"GET /benchmarks/{id}", on(bOwner, benchPath(""), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /benchmarks/{id}", on(bOwner, benchPath(""), noteBody), [7]int{anon, no, ok, ok, no, no, ok}},
	{"GET /benchmarks/{id}/datasets", on(bOwner, benchPath("/datasets"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /benchmarks/{id}/datasets", on(dOwner, benchPath("/datasets"), func(w *medperftest.World) any {
		return medperf.AssociationRequest{ComponentID: w.Dataset.ID}
	}), [7]int{anon, no, made, made, no, made, made}},
	{"GET /benchmarks/{id}/datasets/{component}", func(t *testing.T, w *medperftest.World) cell {
		medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/benchmarks/%d/datasets/%d", w.Benchmark.ID, w.Dataset.ID)}
	}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /benchmarks/{id}/datasets/{component}", func(t *testing.T, w *medperftest.World) cell {
		medperftest.Must[*medperf.Association](t)(w.DataOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, medperf.AssociationRequest{ComponentID: w.Dataset.ID}))
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/benchmarks/%d/datasets/%d", w.Benchmark.ID, w.Dataset.ID),
			body: medperf.AssociationDecision{ApprovalStatus: ptr(medperf.StatusApproved)}}
	}, [7]int{anon, no, no, ok, no, no, ok}},
	{"GET /benchmarks/{id}/models", on(bOwner, benchPath("/models"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /benchmarks/{id}/models", on(mOwner, benchPath("/models"), func(w *medperftest.World) any {
		return medperf.AssociationRequest{ComponentID: w.Model.ID}
	}), [7]int{anon, no, made, made, made, no, made}},
	{"GET /benchmarks/{id}/models/{component}", func(t *testing.T, w *medperftest.World) cell {
		medperftest.Must[*medperf.Association](t)(w.ModelOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindModel, medperf.AssociationRequest{ComponentID: w.Model.ID}))
		return cell{owner: w.ModelOwner, path: fmt.Sprintf("/benchmarks/%d/models/%d", w.Benchmark.ID, w.Model.ID)}
	}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /benchmarks/{id}/models/{component}", func(t *testing.T, w *medperftest.World) cell {
		medperftest.Must[*medperf.Association](t)(w.ModelOwner.RequestAssociation(ctx, w.Benchmark.ID, medperf.KindModel, medperf.AssociationRequest{ComponentID: w.Model.ID}))
		return cell{owner: w.ModelOwner, path: fmt.Sprintf("/benchmarks/%d/models/%d", w.Benchmark.ID, w.Model.ID),
			body: medperf.AssociationDecision{ApprovalStatus: ptr(medperf.StatusApproved), Priority: ptr(3)}}
	}, [7]int{anon, no, no, ok, no, no, ok}},
	{"GET /benchmarks/{id}/results", on(bOwner, benchPath("/results"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"GET /benchmarks/{id}/leaderboard", func(t *testing.T, w *medperftest.World) cell {
		associated(t, w)
		return cell{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/leaderboard", w.Benchmark.ID)}
	}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"GET /datasets", on(dOwner, fixed("/datasets?state=OPERATION"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /datasets", on(stranger, fixed("/datasets"), func(w *medperftest.World) any {
		return medperftest.DatasetInput("new", w.Preparator.ID, medperf.StateDevelopment)
	}), [7]int{anon, made, made, made, made, made, made}},
	{"GET /datasets/{id}", on(dOwner, func(w *medperftest.World) string { return fmt.Sprintf("/datasets/%d", w.Dataset.ID) }, nil),
		[7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /datasets/{id}", on(dOwner, func(w *medperftest.World) string { return fmt.Sprintf("/datasets/%d", w.Dataset.ID) }, noteBody),
		[7]int{anon, no, ok, no, no, ok, ok}},
	{"GET /results", on(dOwner, fixed("/results"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"POST /results", func(t *testing.T, w *medperftest.World) cell {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		return on(dOwner, fixed("/results"), func(w *medperftest.World) any {
			return medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.9)}
		})(t, w)
	}, [7]int{anon, no, made, no, no, made, made}},
	{"POST /results | a dataset without an approved association, even for the reference model", on(dOwner, fixed("/results"), func(w *medperftest.World) any {
		return medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.9)}
	}), [7]int{anon, no, conflict, no, no, conflict, conflict}},
	{"GET /results/{id}", func(t *testing.T, w *medperftest.World) cell {
		r := associated(t, w)
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/results/%d", r.ID)}
	}, [7]int{anon, nf, ok, ok, ok, ok, ok}},
	{"PATCH /results/{id}", func(t *testing.T, w *medperftest.World) cell {
		r := associated(t, w)
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/results/%d", r.ID), body: map[string]any{"is_valid": false}}
	}, [7]int{anon, nf, ok, no, no, ok, ok}},
	{"GET /audit", on(stranger, fixed("/audit"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},

	// More rows for routes whose answer depends on the body or the state.
	{"PATCH /benchmarks/{id} | approval of a pending benchmark", func(t *testing.T, w *medperftest.World) cell {
		owner := w.NewUser(t, "proposer")
		b := medperftest.MustBenchmark(t, owner, medperftest.BenchmarkInput("p", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID))
		return cell{owner: owner, path: fmt.Sprintf("/benchmarks/%d", b.ID), body: medperf.BenchmarkPatch{ApprovalStatus: ptr(medperf.StatusApproved)}}
	}, [7]int{anon, no, no, no, no, no, ok}},
	{"PATCH /benchmarks/{id}/datasets/{component} | withdrawal of an approved dataset", func(t *testing.T, w *medperftest.World) cell {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/benchmarks/%d/datasets/%d", w.Benchmark.ID, w.Dataset.ID),
			body: medperf.AssociationDecision{ApprovalStatus: ptr(medperf.StatusRejected)}}
	}, [7]int{anon, no, ok, ok, no, ok, ok}},
	{"PATCH /benchmarks/{id}/models/{component} | priority of an approved model", func(t *testing.T, w *medperftest.World) cell {
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
		return cell{owner: w.ModelOwner, path: fmt.Sprintf("/benchmarks/%d/models/%d", w.Benchmark.ID, w.Model.ID),
			body: medperf.AssociationDecision{Priority: ptr(7)}}
	}, [7]int{anon, no, no, ok, no, no, ok}},
	{"POST /results | a model without approved associations", on(dOwner, fixed("/results"), func(w *medperftest.World) any {
		return medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.Model.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.9)}
	}), [7]int{anon, no, conflict, no, no, conflict, conflict}},
	{"GET /benchmarks/{id}/leaderboard | as CSV", func(t *testing.T, w *medperftest.World) cell {
		associated(t, w)
		return cell{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/leaderboard?format=csv", w.Benchmark.ID)}
	}, [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"GET /benchmarks/{id}/leaderboard | an unknown metric", func(t *testing.T, w *medperftest.World) cell {
		associated(t, w)
		return cell{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/leaderboard?metric=nope", w.Benchmark.ID)}
	}, [7]int{anon, bad, bad, bad, bad, bad, bad}},
	{"GET /results | CSV export", on(dOwner, fixed("/results?format=csv"), nil), [7]int{anon, ok, ok, ok, ok, ok, ok}},
	{"PATCH /benchmarks/{id} | publishing the leaderboard", on(bOwner, benchPath(""), func(*medperftest.World) any {
		return medperf.BenchmarkPatch{LeaderboardPublic: ptr(true)}
	}), [7]int{anon, no, ok, ok, no, no, ok}},
	{"GET /results/{id} | the reference model's result", func(t *testing.T, w *medperftest.World) cell {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
		if err != nil {
			t.Fatal(err)
		}
		return cell{owner: w.DataOwner, path: fmt.Sprintf("/results/%d", r.ID)}
	}, [7]int{anon, nf, ok, ok, nf, ok, ok}},
}

var counter int

func seq() int { counter++; return counter }

// roleUser returns the user of a role in w (nil for anonymous).
func roleUser(role int, w *medperftest.World, c cell) *medperftest.User {
	users := []*medperftest.User{nil, &w.Stranger, &c.owner, &w.BenchmarkOwner, &w.ModelOwner, &w.DataOwner, &w.Admin}
	return users[role]
}

// TestPermissionMatrix runs every row of the matrix for every role, each on
// a fresh World, and fails for a route of the API without a row (or a row
// without a route).
func TestPermissionMatrix(t *testing.T) {
	rows := map[string]permission{}
	for _, p := range matrix {
		if _, dup := rows[p.route]; dup {
			t.Errorf("route %s has two rows", p.route)
		}
		rows[p.route] = p
	}
	routes := map[string]bool{}
	for _, r := range api.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	covered := map[string]bool{}
	for key := range rows {
		route, _, _ := strings.Cut(key, " | ")
		if !routes[route] {
			t.Errorf("the permission matrix has a row for %s, which is not a route", route)
		}
		covered[route] = true
	}
	for r := range routes {
		if !covered[r] {
			t.Errorf("route %s has no row in the permission matrix", r)
		}
	}
	t.Run("sqlite", func(t *testing.T) { runMatrix(t, medperftest.NewServer(t)) })
	t.Run("postgres", func(t *testing.T) { runMatrix(t, medperftest.NewServer(t, medperftest.WithPostgres(t))) })
}

// runMatrix checks every cell of the matrix against ts.
func runMatrix(t *testing.T, ts *medperftest.TestServer) {
	for _, p := range matrix {
		t.Run(strings.ReplaceAll(p.route, "/", "_"), func(t *testing.T) {
			for role, name := range roles {
				w := ts.World(t)
				c := p.setup(t, w)
				token := ""
				if u := roleUser(role, w, c); u != nil {
					token = u.Token
				}
				method, _, _ := strings.Cut(p.route, " ")
				got := call(t, method, ts.URL()+api.Prefix+c.path, token, c.body)
				if got.status != p.want[role] {
					t.Errorf("%s: status %d, want %d (%s: %s)", name, got.status, p.want[role], got.err.Code, got.err.Message)
				}
			}
		})
	}
}
