package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/web"
)

// The roles of the dashboard's permission matrix, in column order.
var roles = []string{"anonymous", "unrelated", "owner", "admin"}

// Expected outcomes besides plain statuses.
const (
	toSignIn = -1 // 303 to the sign-in page
	moved    = -2 // 303 elsewhere: a form that did its work
	ok       = 200
	bad      = 400
	no       = 403
	nf       = 404
)

// request is what a row asks on a fresh World: the owner column's user,
// the path, the form (POST) and whether to add the session's CSRF token.
type request struct {
	owner medperftest.User
	path  string
	form  url.Values
	csrf  bool
}

type dashboardPermission struct {
	route string // "METHOD path" as in web.Routes, then optionally " | case"
	setup func(t *testing.T, w *medperftest.World) request
	want  [4]int
}

func get(owner func(*medperftest.World) medperftest.User, path func(*medperftest.World) string) func(*testing.T, *medperftest.World) request {
	return func(_ *testing.T, w *medperftest.World) request { return request{owner: owner(w), path: path(w)} }
}

func stranger(w *medperftest.World) medperftest.User { return w.Stranger }
func bOwner(w *medperftest.World) medperftest.User   { return w.BenchmarkOwner }
func fixed(p string) func(*medperftest.World) string {
	return func(*medperftest.World) string { return p }
}
func bench(suffix string) func(*medperftest.World) string {
	return func(w *medperftest.World) string { return fmt.Sprintf("/benchmarks/%d%s", w.Benchmark.ID, suffix) }
}

func decision(csrf bool) func(*testing.T, *medperftest.World) request {
	return func(t *testing.T, w *medperftest.World) request {
		MustPendingDataset(t, w)
		return request{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", w.Benchmark.ID, w.Dataset.ID),
			form: url.Values{"decision": {"APPROVED"}}, csrf: csrf}
	}
}

// dashboardMatrix is every route of the dashboard × every role.
//
//	columns: anonymous, unrelated, owner, admin
var dashboardMatrix = []dashboardPermission{
	{"GET /static/style.css", get(stranger, fixed("/static/style.css")), [4]int{ok, ok, ok, ok}},
	{"GET /signin", get(stranger, fixed("/signin")), [4]int{ok, ok, ok, ok}},
	{"POST /signin", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/signin", form: url.Values{"token": {w.Stranger.Token}}}
	}, [4]int{no, no, no, no}},
	{"POST /signout", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/signout", form: url.Values{}, csrf: true}
	}, [4]int{toSignIn, moved, moved, moved}},
	{"GET /{$}", get(stranger, fixed("/")), [4]int{toSignIn, moved, moved, moved}},
	{"GET /benchmarks", get(bOwner, fixed("/benchmarks")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}", get(bOwner, bench("")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}/docs", get(bOwner, bench("/docs")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}/associations", get(bOwner, bench("/associations")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}/associations/{kind}/{component}", func(t *testing.T, w *medperftest.World) request {
		MustPendingDataset(t, w)
		return request{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/associations/dataset/%d", w.Benchmark.ID, w.Dataset.ID)}
	}, [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}/associations/{kind}/{component} | a pair with no row", get(bOwner, func(w *medperftest.World) string {
		return fmt.Sprintf("/benchmarks/%d/associations/model/%d", w.Benchmark.ID, w.Model.ID)
	}), [4]int{toSignIn, nf, nf, nf}},
	{"GET /benchmarks/{id}/associations/{kind}/{component} | an unknown kind", get(bOwner, func(w *medperftest.World) string {
		return fmt.Sprintf("/benchmarks/%d/associations/user/%d", w.Benchmark.ID, w.Model.ID)
	}), [4]int{toSignIn, bad, bad, bad}},
	{"POST /benchmarks/{id}/associations/{kind}/{component}", decision(true), [4]int{toSignIn, no, moved, moved}},
	{"POST /benchmarks/{id}/publish", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/publish", w.Benchmark.ID),
			form: url.Values{"public": {"true"}}, csrf: true}
	}, [4]int{toSignIn, no, moved, moved}},
	{"GET /benchmarks/{id}/leaderboard", get(bOwner, bench("/leaderboard")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /benchmarks/{id}/leaderboard.csv", get(bOwner, bench("/leaderboard.csv")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /containers", get(stranger, fixed("/containers")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /containers/new", get(stranger, fixed("/containers/new")), [4]int{toSignIn, ok, ok, ok}},
	{"POST /containers", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/containers", form: containerForm(fmt.Sprintf("perm-%d", w.Stranger.ID)), csrf: true}
	}, [4]int{toSignIn, moved, moved, moved}},
	{"POST /containers | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/containers", form: containerForm(fmt.Sprintf("perm-%d", w.Stranger.ID))}
	}, [4]int{toSignIn, no, no, no}},
	{"GET /benchmarks/new", get(stranger, fixed("/benchmarks/new")), [4]int{toSignIn, ok, ok, ok}},
	{"POST /benchmarks", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/benchmarks", form: benchmarkForm(w, "perm"), csrf: true}
	}, [4]int{toSignIn, moved, moved, moved}},
	{"POST /benchmarks | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/benchmarks", form: benchmarkForm(w, "perm")}
	}, [4]int{toSignIn, no, no, no}},
	{"GET /containers/{id}", get(func(w *medperftest.World) medperftest.User { return w.ModelOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/containers/%d", w.Model.ID) }), [4]int{toSignIn, ok, ok, ok}},
	{"GET /datasets", get(stranger, fixed("/datasets")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /datasets/{id}", get(func(w *medperftest.World) medperftest.User { return w.DataOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/datasets/%d", w.Dataset.ID) }), [4]int{toSignIn, ok, ok, ok}},
	{"GET /results", get(stranger, fixed("/results")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /results.csv", get(stranger, fixed("/results.csv")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /results/{id}", func(t *testing.T, w *medperftest.World) request {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
		if err != nil {
			t.Fatal(err)
		}
		return request{owner: w.DataOwner, path: fmt.Sprintf("/results/%d", r.ID)}
	}, [4]int{toSignIn, nf, ok, ok}},
	{"GET /containers/{id}/json/{field}", get(func(w *medperftest.World) medperftest.User { return w.ModelOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/containers/%d/json/config", w.Model.ID) }), [4]int{toSignIn, ok, ok, ok}},
	{"GET /containers/{id}/json/{field} | no such field", get(func(w *medperftest.World) medperftest.User { return w.ModelOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/containers/%d/json/secret", w.Model.ID) }), [4]int{toSignIn, nf, nf, nf}},
	{"GET /datasets/{id}/json/{field}", get(func(w *medperftest.World) medperftest.User { return w.DataOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/datasets/%d/json/statistics", w.Dataset.ID) }), [4]int{toSignIn, ok, ok, ok}},
	{"GET /datasets/{id}/json/{field} | the report only for those who may read it", get(func(w *medperftest.World) medperftest.User { return w.DataOwner },
		func(w *medperftest.World) string { return fmt.Sprintf("/datasets/%d/json/report", w.Dataset.ID) }), [4]int{toSignIn, nf, ok, ok}},
	{"GET /results/{id}/json/{field}", func(t *testing.T, w *medperftest.World) request {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		r, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
		if err != nil {
			t.Fatal(err)
		}
		return request{owner: w.DataOwner, path: fmt.Sprintf("/results/%d/json/metrics", r.ID)}
	}, [4]int{toSignIn, nf, ok, ok}},
	{"GET /admin/users", get(stranger, fixed("/admin/users")), [4]int{toSignIn, no, no, ok}},
	{"POST /admin/users", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.DataOwner, path: "/admin/users", form: url.Values{"email": {fmt.Sprintf("new-%d@example.org", w.Stranger.ID)}, "name": {"New"}}, csrf: true}
	}, [4]int{toSignIn, no, no, ok}},
	{"POST /admin/users | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.DataOwner, path: "/admin/users", form: url.Values{"email": {fmt.Sprintf("new-%d@example.org", w.Stranger.ID)}}}
	}, [4]int{toSignIn, no, no, no}},
	{"GET /tokens", get(stranger, fixed("/tokens")), [4]int{toSignIn, ok, ok, ok}},
	{"POST /tokens", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.DataOwner, path: "/tokens", form: url.Values{"name": {"laptop"}}, csrf: true}
	}, [4]int{toSignIn, ok, ok, ok}},
	{"POST /tokens | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.DataOwner, path: "/tokens", form: url.Values{"name": {"laptop"}}}
	}, [4]int{toSignIn, no, no, no}},
	{"POST /tokens/{id}/revoke", func(t *testing.T, w *medperftest.World) request {
		nt := medperftest.Must[*medperf.NewToken](t)(w.DataOwner.CreateToken(ctx, "old"))
		return request{owner: w.DataOwner, path: fmt.Sprintf("/tokens/%d/revoke", nt.ID), form: url.Values{}, csrf: true}
	}, [4]int{toSignIn, nf, moved, nf}},
	{"POST /tokens/{id}/revoke | without a CSRF token", func(t *testing.T, w *medperftest.World) request {
		nt := medperftest.Must[*medperf.NewToken](t)(w.DataOwner.CreateToken(ctx, "old"))
		return request{owner: w.DataOwner, path: fmt.Sprintf("/tokens/%d/revoke", nt.ID), form: url.Values{}}
	}, [4]int{toSignIn, no, no, no}},
	{"GET /audit", get(stranger, fixed("/audit?type=benchmark&since=2020-01-01&until=2099-12-31")), [4]int{toSignIn, ok, ok, ok}},
	{"GET /audit | a bad date", get(stranger, fixed("/audit?since=yesterday")), [4]int{toSignIn, bad, bad, bad}},
	{"GET /trust", get(stranger, fixed("/trust")), [4]int{toSignIn, ok, ok, ok}},

	// CSRF: the same forms without the session's token change nothing.
	{"POST /benchmarks/{id}/associations/{kind}/{component} | without a CSRF token", decision(false), [4]int{toSignIn, no, no, no}},
	{"POST /benchmarks/{id}/publish | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.BenchmarkOwner, path: fmt.Sprintf("/benchmarks/%d/publish", w.Benchmark.ID), form: url.Values{"public": {"true"}}}
	}, [4]int{toSignIn, no, no, no}},
	{"POST /signout | without a CSRF token", func(_ *testing.T, w *medperftest.World) request {
		return request{owner: w.Stranger, path: "/signout", form: url.Values{}}
	}, [4]int{toSignIn, no, no, no}},
}

// TestDashboardPermissionMatrix runs every row for every role, each on a
// fresh World, and fails for a dashboard route without a row.
func TestDashboardPermissionMatrix(t *testing.T) {
	covered := map[string]bool{}
	for _, p := range dashboardMatrix {
		route, _, _ := strings.Cut(p.route, " | ")
		covered[route] = true
	}
	for _, r := range web.Routes() {
		if !covered[r.Method+" "+r.Path] {
			t.Errorf("dashboard route %s %s has no row in the permission matrix", r.Method, r.Path)
		}
	}
	t.Run("sqlite", func(t *testing.T) { runDashboardMatrix(t, medperftest.NewServer(t)) })
	t.Run("postgres", func(t *testing.T) { runDashboardMatrix(t, medperftest.NewServer(t, medperftest.WithPostgres(t))) })
}

func runDashboardMatrix(t *testing.T, ts *medperftest.TestServer) {
	for _, p := range dashboardMatrix {
		t.Run(strings.ReplaceAll(p.route, "/", "_"), func(t *testing.T) {
			for role, name := range roles {
				w := ts.World(t)
				req := p.setup(t, w)
				users := []*medperftest.User{nil, &w.Stranger, &req.owner, &w.Admin}
				b, token := signedIn(t, ts, users[role])
				method, _, _ := strings.Cut(p.route, " ")
				var got page
				if method == "POST" {
					form := url.Values{}
					for k, v := range req.form {
						form[k] = v
					}
					if req.csrf && token != "" {
						form.Set("csrf_token", token)
					}
					got = b.post(req.path, form)
				} else {
					got = b.get(req.path)
				}
				checkOutcome(t, name, got, p.want[role])
			}
		})
	}
}

func checkOutcome(t *testing.T, role string, got page, want int) {
	t.Helper()
	loc := got.header.Get("Location")
	switch want {
	case toSignIn:
		if got.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
			t.Errorf("%s: status %d to %q, want a redirect to the sign-in page", role, got.status, loc)
		}
	case moved:
		if got.status != http.StatusSeeOther || strings.HasPrefix(loc, "/signin?") {
			t.Errorf("%s: status %d to %q, want a redirect after the form's work", role, got.status, loc)
		}
	default:
		if got.status != want {
			t.Errorf("%s: status %d, want %d", role, got.status, want)
		}
	}
}
