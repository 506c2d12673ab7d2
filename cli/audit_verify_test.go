package cli

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// TestAuditVerifyCatchesRewrites checks `audit verify` against a real
// server whose SQLite database is then edited behind its back: a result row
// rewritten, an audit row deleted, the log truncated. Each is refused with
// the conflict status; an honest log passes and the checkpoint is kept.
func TestAuditVerifyCatchesRewrites(t *testing.T) {
	ctx := context.Background()
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b := w.MustSignedBenchmark(t)
	medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
	id := medperftest.MustIdentity(t, w.DataOwner)
	submit := func(model, dataset int64) *medperf.Result {
		r, _, err := w.DataOwner.SubmitResult(ctx, medperftest.Sign(t, id, medperf.ResultInput{BenchmarkID: b.ID,
			ModelID: model, DatasetID: dataset, Metrics: medperftest.Metrics(0.7)}))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := submit(w.ReferenceModel.ID, w.Dataset.ID)
	loggedInAs(t, ts, w.DataOwner.Token)
	conflict := ExitCode(medperf.Errorf(medperf.CodeConflict, ""))
	verify := func(t *testing.T, want int, says string) {
		t.Helper()
		code, out, errOut := runCLI(t, "audit", "verify")
		if code != want || !strings.Contains(out+errOut, says) {
			t.Fatalf("audit verify: exit %d, want %d and %q: %s %s", code, want, says, out, errOut)
		}
	}
	verify(t, 0, "not rewritten")
	ps, _ := config.LoadProfiles(os.Getenv(config.HomeEnv))
	if p, _ := ps.Get(ts.URL()); p.Checkpoint == "" {
		t.Fatal("the checkpoint was not kept in the profile")
	}
	t.Run("new history extends the old", func(t *testing.T) {
		d2 := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("second", w.Preparator.ID, medperf.StateOperation))
		medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, d2.ID)
		submit(w.ReferenceModel.ID, d2.ID)
		verify(t, 0, "not rewritten")
	})
	db, err := sql.Open("sqlite", filepath.Join(ts.DataDir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a rewritten result row is caught", func(t *testing.T) {
		var metrics string
		db.QueryRow(`SELECT metrics FROM results WHERE id = ?`, r.ID).Scan(&metrics)
		exec(t, `UPDATE results SET metrics = ? WHERE id = ?`, strings.Replace(metrics, "0.7", "0.99", 1), r.ID)
		verify(t, conflict, "REWRITTEN")
		exec(t, `UPDATE results SET metrics = ? WHERE id = ?`, metrics, r.ID)
		verify(t, 0, "not rewritten")
	})
	t.Run("a rewritten envelope is caught", func(t *testing.T) {
		var env string
		db.QueryRow(`SELECT envelope FROM results WHERE id = ?`, r.ID).Scan(&env)
		exec(t, `UPDATE results SET envelope = ? WHERE id = ?`, strings.Replace(env, `"sig":"`, `"sig":"AAAA`, 1), r.ID)
		verify(t, conflict, "REWRITTEN")
		exec(t, `UPDATE results SET envelope = ? WHERE id = ?`, env, r.ID)
	})
	t.Run("a deleted audit row is caught", func(t *testing.T) {
		var event int64
		if err := db.QueryRow(`SELECT ref_id FROM log_leaves WHERE kind = 'audit' ORDER BY idx LIMIT 1 OFFSET 3`).Scan(&event); err != nil {
			t.Fatal(err)
		}
		exec(t, `DELETE FROM audit_viewers WHERE event_id = ?`, event)
		exec(t, `DELETE FROM audit WHERE id = ?`, event)
		verify(t, conflict, "deleted")
	})
	t.Run("a truncated log is caught", func(t *testing.T) {
		exec(t, `DELETE FROM log_leaves WHERE idx = (SELECT MAX(idx) FROM log_leaves)`)
		verify(t, conflict, "shrank")
	})
}
