package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
	"github.com/medperf/medperf/wire"
)

// TestUnreachableStoreIs503WithRetryAfter: a database that cannot serve
// (here: closed) answers 503, code unavailable, with Retry-After, so that
// clients retry instead of reporting a bug.
func TestUnreachableStoreIs503WithRetryAfter(t *testing.T) {
	db, err := sqldb.Open(ctx, filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := db.BootstrapAdmin(ctx, "admin@example.org", "")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	boards := medperftest.Must[*leaderboard.Service](t)(leaderboard.NewService(db, db))
	srv := httptest.NewServer(medperftest.Must[*api.Handler](t)(api.New(api.Config{Service: db, Leaderboards: boards})))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+api.Prefix+"/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if got := wire.CodeOf(resp.StatusCode); got != medperf.CodeUnavailable {
		t.Errorf("503 maps back to %q, want unavailable", got)
	}
}

// TestSubmissionRacesOverHTTP: concurrent submissions of one (benchmark,
// model, dataset) with different keys → one 201, the others 409 (never a
// 500); with the same key → the same result for all.
func TestSubmissionRacesOverHTTP(t *testing.T) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			var opts []medperftest.ServerOption
			if name == "postgres" {
				opts = append(opts, medperftest.WithPostgres(t))
			}
			w := medperftest.NewServer(t, opts...).World(t)
			w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
			w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
			in := func(model int64, key string) medperf.ResultInput {
				return medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: model, DatasetID: w.Dataset.ID,
					Metrics: medperftest.Metrics(0.7), IdempotencyKey: key}
			}
			t.Run("different keys: one wins, the others are conflicts", func(t *testing.T) {
				rs, errs := raceHTTP(8, func(i int) (*medperf.Result, error) {
					r, _, err := w.DataOwner.SubmitResult(ctx, in(w.Model.ID, fmt.Sprint("key-", i)))
					return r, err
				})
				wins := 0
				for i, err := range errs {
					if err == nil && rs[i] != nil {
						wins++
					} else if medperf.ErrorCode(err) != medperf.CodeConflict {
						t.Errorf("racer %d: code %q (%v), want conflict", i, medperf.ErrorCode(err), err)
					}
				}
				if wins != 1 {
					t.Errorf("%d racers won, want 1", wins)
				}
			})
			t.Run("the same key: the same result", func(t *testing.T) {
				rs, errs := raceHTTP(8, func(int) (*medperf.Result, error) {
					r, _, err := w.DataOwner.SubmitResult(ctx, in(w.ReferenceModel.ID, "one-key"))
					return r, err
				})
				for i, err := range errs {
					if err != nil || rs[i].ID != rs[0].ID {
						t.Fatalf("racer %d: %v, %v; want result of racer 0", i, rs[i], err)
					}
				}
			})
			t.Run("the same key with another body: conflict", func(t *testing.T) {
				other := in(w.ReferenceModel.ID, "one-key")
				other.Metrics = medperftest.Metrics(0.1)
				_, _, err := w.DataOwner.SubmitResult(ctx, other)
				if medperf.ErrorCode(err) != medperf.CodeConflict {
					t.Fatalf("code %q (%v), want conflict", medperf.ErrorCode(err), err)
				}
			})
		})
	}
}

func raceHTTP(n int, fn func(i int) (*medperf.Result, error)) ([]*medperf.Result, []error) {
	rs, errs := make([]*medperf.Result, n), make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() { defer done.Done(); start.Wait(); rs[i], errs[i] = fn(i) }()
	}
	start.Done()
	done.Wait()
	return rs, errs
}
