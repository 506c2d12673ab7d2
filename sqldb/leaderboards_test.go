package sqldb_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// declaration is a valid metrics declaration: dice in [0, 1], primary.
const declaration = `{"metrics": [{"name": "dice", "direction": "higher", "min": 0, "max": 1, "primary": true},
	{"name": "hd95", "direction": "lower", "min": 0}]}`

// MustDeclaredBenchmark registers, as the world's benchmark owner, a
// DEVELOPMENT benchmark over the world's containers that declares metrics.
func MustDeclaredBenchmark(tb testing.TB, w *medperftest.World, metrics string) *medperf.Benchmark {
	tb.Helper()
	in := medperftest.BenchmarkInput("declared", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
	in.State, in.Metrics = medperf.StateDevelopment, json.RawMessage(metrics)
	b := medperftest.MustBenchmark(tb, w.BenchmarkOwner, in)
	approved := medperftest.Ptr(medperf.StatusApproved)
	b = medperftest.Must[*medperf.Benchmark](tb)(w.Admin.UpdateBenchmark(context.Background(), b.ID, medperf.BenchmarkPatch{ApprovalStatus: approved}))
	medperftest.MustApprove(tb, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
	return b
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	wantCode(t, err, medperf.CodeInvalid)
	if e, ok := err.(*medperf.Error); !ok || e.Field != field {
		t.Fatalf("error %v names field %q, want %q", err, e.Field, field)
	}
}

func TestMetricsDeclaration(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		t.Run("a bad declaration is refused on create, naming the entry", func(t *testing.T) {
			in := medperftest.BenchmarkInput("bad", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
			in.Metrics = json.RawMessage(`{"metrics": [{"name": "dice", "direction": "up", "primary": true}]}`)
			_, err := w.Stranger.CreateBenchmark(ctx, in)
			wantField(t, err, "metrics[0].direction")
		})
		t.Run("a declaration with unknown keys is refused", func(t *testing.T) {
			in := medperftest.BenchmarkInput("bad", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID)
			in.Metrics = json.RawMessage(`{"dice": "higher"}`)
			_, err := w.Stranger.CreateBenchmark(ctx, in)
			wantField(t, err, "metrics")
		})
		b := MustDeclaredBenchmark(t, w, declaration)
		t.Run("a bad declaration is refused on update and changes nothing", func(t *testing.T) {
			bad := json.RawMessage(`{"metrics": [{"name": "dice", "direction": "higher"}]}`)
			_, err := w.BenchmarkOwner.UpdateBenchmark(ctx, b.ID, medperf.BenchmarkPatch{Metrics: &bad})
			wantField(t, err, "metrics")
			got := medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.GetBenchmark(ctx, b.ID))
			if decl, err := medperf.ParseMetricSet(got.Metrics); err != nil || len(decl.Metrics) != 2 {
				t.Fatalf("declaration after a refused update: %s (%v)", got.Metrics, err)
			}
		})
		cases := []struct {
			name, metrics, field string
		}{
			{"an undeclared metric is refused", `{"dice": 0.8, "secret": 1}`, "metrics.secret"},
			{"an out-of-range value is refused", `{"dice": 1.5}`, "metrics.dice"},
			{"a negative lower-is-better value under its min is refused", `{"hd95": -1}`, "metrics.hd95"},
			{"a value that is not a number is refused", `{"dice": "high"}`, "metrics.dice"},
			{"a fractional case count is refused", `{"dice": 0.5, "n_cases": 2.5}`, "metrics.n_cases"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: b.ID, ModelID: w.ReferenceModel.ID,
					DatasetID: w.Dataset.ID, Metrics: json.RawMessage(c.metrics)})
				wantField(t, err, c.field)
			})
		}
		t.Run("declared metrics within range and the case count are accepted", func(t *testing.T) {
			draft := medperftest.Ptr(false)
			r := medperftest.Must[*medperf.Result](t)(firstResult(w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: b.ID,
				ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: json.RawMessage(`{"dice": 1, "n_cases": 12}`), Finalized: draft})))
			t.Run("and a draft's metrics are checked when changed", func(t *testing.T) {
				bad := json.RawMessage(`{"dice": 0.5, "leak": 3}`)
				_, err := w.DataOwner.UpdateResult(ctx, r.ID, medperf.ResultPatch{Metrics: &bad})
				wantField(t, err, "metrics.leak")
			})
		})
		t.Run("a benchmark without a declaration keeps free-form results", func(t *testing.T) {
			_, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
				DatasetID: w.Dataset.ID, Metrics: json.RawMessage(`{"anything": 42, "nested": {"x": "y"}}`)})
			if err != nil {
				t.Fatal(err)
			}
		})
	})
}

func firstResult(r *medperf.Result, _ bool, err error) (*medperf.Result, error) { return r, err }

func TestLeaderboardData(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
		for model, dice := range map[int64]float64{w.ReferenceModel.ID: 0.7, w.Model.ID: 0.9} {
			medperftest.Must[*medperf.Result](t)(firstResult(w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
				ModelID: model, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(dice)})))
		}
		data := func(u medperftest.User) *medperf.LeaderboardData {
			t.Helper()
			return medperftest.Must[*medperf.LeaderboardData](t)(db.LeaderboardData(medperf.WithCaller(ctx, &u.User), w.Benchmark.ID))
		}
		t.Run("the benchmark owner sees every result and the participants", func(t *testing.T) {
			d := data(w.BenchmarkOwner)
			if d.Scope != medperf.ScopeAll || len(d.Results) != 2 || len(d.Models) != 2 || len(d.Datasets) != 1 {
				t.Fatalf("%+v", d)
			}
		})
		t.Run("the model owner sees only their model's results", func(t *testing.T) {
			d := data(w.ModelOwner)
			if d.Scope != medperf.ScopeVisible || len(d.Results) != 1 || d.Results[0].Model.ID != w.Model.ID || len(d.Models) != 0 {
				t.Fatalf("%+v", d)
			}
		})
		t.Run("a stranger sees nothing before publication", func(t *testing.T) {
			if d := data(w.Stranger); d.Scope != medperf.ScopeVisible || len(d.Results) != 0 {
				t.Fatalf("%+v", d)
			}
		})
		t.Run("only the owner publishes, in OPERATION, and the change is audited", func(t *testing.T) {
			_, err := w.Stranger.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{LeaderboardPublic: medperftest.Ptr(true)})
			wantCode(t, err, medperf.CodeForbidden)
			b := medperftest.Must[*medperf.Benchmark](t)(w.BenchmarkOwner.UpdateBenchmark(ctx, w.Benchmark.ID, medperf.BenchmarkPatch{LeaderboardPublic: medperftest.Ptr(true)}))
			if !b.LeaderboardPublic {
				t.Fatal("not published")
			}
			events := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.BenchmarkOwner.ListAudit(ctx, medperf.AuditFilter{EntityType: "benchmark", EntityID: b.ID}))
			last := events.Items[len(events.Items)-1]
			if string(last.Changes) != `{"leaderboard_public":true}` {
				t.Fatalf("last audit event %s", last.Changes)
			}
		})
		t.Run("after publication a stranger gets the published scope of every result", func(t *testing.T) {
			if d := data(w.Stranger); d.Scope != medperf.ScopePublished || len(d.Results) != 2 || len(d.Datasets) != 0 {
				t.Fatalf("%+v", d)
			}
		})
		t.Run("an anonymous caller is refused", func(t *testing.T) {
			_, err := db.LeaderboardData(ctx, w.Benchmark.ID)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("an unknown benchmark is not found", func(t *testing.T) {
			_, err := db.LeaderboardData(medperf.WithCaller(ctx, &w.Stranger.User), 999999)
			wantCode(t, err, medperf.CodeNotFound)
		})
	})
}

func TestSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		secret, s, err := db.CreateSession(ctx, w.DataOwner.Token, time.Hour)
		if err != nil || s.User.ID != w.DataOwner.ID || s.CSRF == "" || secret == "" {
			t.Fatalf("%+v %v", s, err)
		}
		t.Run("the secret finds the session and its user", func(t *testing.T) {
			got := medperftest.Must[*medperf.Session](t)(db.GetSession(ctx, secret))
			if got.User.ID != w.DataOwner.ID || got.CSRF != s.CSRF {
				t.Fatalf("%+v", got)
			}
		})
		t.Run("a bad API token does not sign in", func(t *testing.T) {
			_, _, err := db.CreateSession(ctx, "mpt_nope", time.Hour)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("an unknown secret is refused", func(t *testing.T) {
			_, err := db.GetSession(ctx, w.DataOwner.Token)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("an expired session is refused", func(t *testing.T) {
			short, _, err := db.CreateSession(ctx, w.DataOwner.Token, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			now := db.Now
			db.Now = func() time.Time { return now().Add(time.Minute) }
			defer func() { db.Now = now }()
			_, err = db.GetSession(ctx, short)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("revoking the API token ends its sessions", func(t *testing.T) {
			u := w.NewUser(t, "revoker")
			tok := medperftest.Must[*medperf.NewToken](t)(u.CreateToken(ctx, "browser"))
			secret, _, err := db.CreateSession(ctx, tok.Secret, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if err := u.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			_, err = db.GetSession(ctx, secret)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
		t.Run("a deleted session is refused", func(t *testing.T) {
			if err := db.DeleteSession(ctx, secret); err != nil {
				t.Fatal(err)
			}
			_, err := db.GetSession(ctx, secret)
			wantCode(t, err, medperf.CodeUnauthorized)
		})
	})
}
