package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cli"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/demo/cubes"
)

func exitOf(code medperf.Code) int { return cli.ExitCode(medperf.Errorf(code, "")) }

// TestTrust plays issue 14 with the built binary, a real server and real
// containers: a policy that does not allow the model's image stops
// `benchmark run` before any container starts and sends nothing; a site
// with a key signs its results, which verify offline; a tampered envelope
// is refused by the server; and a direct edit of the registry's database
// is caught by `audit verify`.
func TestTrust(t *testing.T) {
	w := MustWorld(t)
	bo, do := w.newUser("benchowner"), w.newUser("dataowner")
	prep := w.submitCube(bo, "container", cubes.Preparator)
	ref := w.submitCube(bo, "container", cubes.ReferenceModel)
	eval := w.submitCube(bo, "container", cubes.Evaluator)
	var b entity
	w.json(bo, &b, "benchmark", "submit", "-n", "signed", "-d", "signed results", "--demo-url", w.files+"/demo.tar.gz",
		"-p", fmt.Sprint(prep), "-m", fmt.Sprint(ref), "-e", fmt.Sprint(eval), "-y")
	if bm, _ := w.ts.Admin.GetBenchmark(w.ctx(), b.ID); !bm.RequireSignedResults {
		t.Fatal("a new benchmark does not require signed results")
	}
	w.run(w.admin, "benchmark", "approve", "-b", fmt.Sprint(b.ID))
	d := w.dataset(do, b.ID, "site-a")
	w.run(bo, "association", "approve", "-b", fmt.Sprint(b.ID), "-d", fmt.Sprint(d))
	bid, did, mid := fmt.Sprint(b.ID), fmt.Sprint(d), fmt.Sprint(ref)

	t.Run("a policy refusing the model's image stops the run before any container starts", func(t *testing.T) {
		policy := filepath.Join(do.home, "policy.yaml")
		mustWrite(t, policy, []byte("# this hospital runs one image only\nimages:\n  - sha256:"+strings.Repeat("0", 64)+"\n"))
		defer os.Remove(policy)
		logs, _ := filepath.Glob(filepath.Join(w.storage(do), "logs", "*"))
		sent := len(w.bodies.all())
		errs := w.fail(do, exitOf(medperf.CodeForbidden), "benchmark", "run", "-b", bid, "-d", did, "-m", mid)
		if !strings.Contains(errs, "policy.yaml:2: images") {
			t.Fatalf("the refusal does not name the rule and its line: %s", errs)
		}
		if after, _ := filepath.Glob(filepath.Join(w.storage(do), "logs", "*")); len(after) != len(logs) {
			t.Fatalf("%d task logs appeared: a container started", len(after)-len(logs))
		}
		if strings.Contains(w.bodies.all()[sent:], "POST ") {
			t.Fatalf("something was sent: %s", w.bodies.all()[sent:])
		}
	})

	t.Run("without a key the submission is refused before sending", func(t *testing.T) {
		w.run(do, "benchmark", "run", "-b", bid, "-d", did, "-m", mid)
		errs := w.fail(do, exitOf(medperf.CodeForbidden), "result", "submit", "-b", bid, "-d", did, "-y")
		if !strings.Contains(errs, "medperf keys create") {
			t.Fatalf("the refusal does not say what to do: %s", errs)
		}
	})
	w.run(do, "keys", "create")
	w.run(do, "result", "submit", "-b", bid, "-d", did, "-y")
	rs, err := w.ts.Admin.ListResults(w.ctx(), medperf.ResultFilter{DatasetID: d})
	if err != nil || len(rs.Items) != 1 || !rs.Items[0].Signed {
		t.Fatalf("results: %+v %v", rs, err)
	}
	r := rs.Items[0]

	t.Run("a signed result verifies offline", func(t *testing.T) {
		env := filepath.Join(t.TempDir(), "result.dsse.json")
		mustWrite(t, env, r.Envelope)
		out := w.run(bo, "result", "verify", env, "--key", filepath.Join(do.home, config.KeyFile+".pub"))
		w.run(bo, "result", "verify", fmt.Sprint(r.ID))
		if !strings.Contains(out, "signed by SHA256:") {
			t.Fatalf("%s", out)
		}
	})

	t.Run("a tampered envelope is refused by the server", func(t *testing.T) {
		d2 := medperf.ResultInput{BenchmarkID: r.BenchmarkID, ModelID: r.ModelID, DatasetID: r.DatasetID, Metrics: r.Metrics,
			Envelope: []byte(strings.Replace(string(r.Envelope), `"sig":"`, `"sig":"AAAA`, 1))}
		_, _, err := w.ts.Client(t, do.token).SubmitResult(w.ctx(), d2)
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("a tampered envelope: %v", err)
		}
	})

	t.Run("a direct database edit is caught by audit verify", func(t *testing.T) {
		w.run(do, "audit", "verify")
		db, err := sql.Open("sqlite", filepath.Join(w.ts.DataDir, "registry.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`UPDATE results SET metrics = ? WHERE id = ?`, `{"dice_mean": 0.999}`, r.ID); err != nil {
			t.Fatal(err)
		}
		errs := w.fail(do, exitOf(medperf.CodeConflict), "audit", "verify")
		if !strings.Contains(errs, "REWRITTEN") {
			t.Fatalf("%s", errs)
		}
		if _, err := db.Exec(`UPDATE results SET metrics = ? WHERE id = ?`, string(r.Metrics), r.ID); err != nil {
			t.Fatal(err)
		}
		w.run(do, "audit", "verify") // the row is as it was: history agrees again
		var event int64
		if err := db.QueryRow(`SELECT ref_id FROM log_leaves WHERE kind = 'audit' ORDER BY idx LIMIT 1 OFFSET 2`).Scan(&event); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM audit_viewers WHERE event_id = ?`, event); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`DELETE FROM audit WHERE id = ?`, event); err != nil {
			t.Fatal(err)
		}
		if errs := w.fail(do, exitOf(medperf.CodeConflict), "audit", "verify"); !strings.Contains(errs, "deleted") {
			t.Fatalf("a deleted audit row: %s", errs)
		}
	})
}

// TestPrivacyFloor checks issue 14 point 5 end to end: a benchmark whose
// metrics declare min_cases above what a site's data holds gets no result
// from that site (the site refuses before sending) and the registry
// refuses one sent anyway.
func TestPrivacyFloor(t *testing.T) {
	w := MustWorld(t)
	bo, do := w.newUser("benchowner"), w.newUser("dataowner")
	w.run(do, "keys", "create")
	prep := w.submitCube(bo, "container", cubes.Preparator)
	ref := w.submitCube(bo, "container", cubes.ReferenceModel)
	eval := w.submitCube(bo, "container", cubes.Evaluator)
	metrics := filepath.Join(t.TempDir(), "metrics.yaml")
	mustWrite(t, metrics, []byte("min_cases: 5\nmetrics:\n  - {name: dice_mean, direction: higher, min: 0, max: 1, primary: true}\n"))
	var b entity
	w.json(bo, &b, "benchmark", "submit", "-n", "floor", "-d", "a privacy floor", "--demo-url", w.files+"/demo.tar.gz",
		"-p", fmt.Sprint(prep), "-m", fmt.Sprint(ref), "-e", fmt.Sprint(eval), "--metrics", metrics, "-y")
	w.run(w.admin, "benchmark", "approve", "-b", fmt.Sprint(b.ID))
	d := w.dataset(do, b.ID, "site-a") // 3 cases
	bid, did := fmt.Sprint(b.ID), fmt.Sprint(d)
	w.run(bo, "association", "approve", "-b", bid, "-d", did)
	w.run(do, "benchmark", "run", "-b", bid, "-d", did, "-m", fmt.Sprint(ref))
	sent := len(w.bodies.all())
	errs := w.fail(do, exitOf(medperf.CodeForbidden), "result", "submit", "-b", bid, "-d", did, "-y")
	if !strings.Contains(errs, "n_cases") {
		t.Fatalf("the site's refusal does not name the case count: %s", errs)
	}
	if strings.Contains(w.bodies.all()[sent:], "POST ") {
		t.Fatalf("the site sent a result under the floor: %s", w.bodies.all()[sent:])
	}
	in := medperf.ResultInput{BenchmarkID: b.ID, ModelID: ref, DatasetID: d, Metrics: []byte(`{"dice_mean": 0.5, "n_cases": 3}`)}
	if _, _, err := w.ts.Client(t, do.token).SubmitResult(w.ctx(), in); medperf.ErrorCode(err) != medperf.CodeForbidden {
		t.Fatalf("the registry accepted a result under the floor: %v", err)
	}
}
