package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/site"
)

// canary is written into the data owners' files and folder names: it must
// never reach the server.
const canary = "CANARY-7f3a9c-patient-data"

type entity struct {
	ID             int64                  `json:"id"`
	State          medperf.State          `json:"state"`
	ApprovalStatus medperf.ApprovalStatus `json:"approval_status"`
}

// submitCube registers a reference cube as u and returns its id.
func (w *world) submitCube(u *user, group, name string, extra ...string) int64 {
	cfg, params := w.cube(name)
	var c entity
	w.json(u, &c, append([]string{group, "submit", "-n", name, "-m", cfg, "-p", params}, extra...)...)
	if c.ID == 0 || c.State != medperf.StateOperation {
		w.t.Fatalf("%s submit %s: %+v", group, name, c)
	}
	return c.ID
}

// siteData writes a data owner's raw data: synthetic cases, plus a notes
// file holding the canary, under a folder whose name holds the canary.
func (w *world) siteData(u *user, siteName string, cases int) (string, string) {
	dir := filepath.Join(w.t.TempDir(), "patients-"+canary)
	w.run(u, "demo", "data", "--site", siteName, "--cases", fmt.Sprint(cases), "--out", dir)
	mustWrite(w.t, filepath.Join(dir, "data", "notes-"+canary+".txt"), []byte("patient name: "+canary+"\n"))
	return filepath.Join(dir, "data"), filepath.Join(dir, "labels")
}

// TestFlows plays MedPerf's flows 1-5 with five users, checking the
// server's state after each step, then the kill -9 resume and the canary.
func TestFlows(t *testing.T) {
	w := MustWorld(t)
	bo, mo, do1, do2 := w.newUser("benchowner"), w.newUser("modelowner"), w.newUser("dataowner1"), w.newUser("dataowner2")
	admin := w.admin
	w.run(do1, "keys", "create") // new benchmarks require signed results

	// Flow 1: the benchmark.
	prep := w.submitCube(bo, "container", cubes.Preparator)
	ref := w.submitCube(bo, "mlcube", cubes.ReferenceModel)
	eval := w.submitCube(bo, "container", cubes.Evaluator)
	metrics := filepath.Join(t.TempDir(), "metrics.yaml")
	// Every metric the reference evaluator reports: the registry refuses undeclared ones.
	mustWrite(t, metrics, []byte(`metrics:
  - {name: dice_mean, direction: higher, min: 0, max: 1, primary: true}
  - {name: dice_median, direction: higher, min: 0, max: 1}
  - {name: hd95_mean, direction: lower, min: 0}
  - {name: hd95_median, direction: lower, min: 0}
  - {name: sensitivity_mean, direction: higher, min: 0, max: 1}
  - {name: sensitivity_median, direction: higher, min: 0, max: 1}
  - {name: specificity_mean, direction: higher, min: 0, max: 1}
  - {name: specificity_median, direction: higher, min: 0, max: 1}
`))
	var b entity
	w.json(bo, &b, "benchmark", "submit", "-n", "lesions", "-d", "lesion segmentation", "--demo-url", w.files+"/demo.tar.gz",
		"-p", fmt.Sprint(prep), "-m", fmt.Sprint(ref), "-e", fmt.Sprint(eval), "--metrics", metrics, "-y")
	bm, err := w.ts.Admin.GetBenchmark(w.ctx(), b.ID)
	if err != nil || bm.ApprovalStatus != medperf.StatusPending || bm.DemoDatasetGeneratedUID == "" || len(bm.DemoDatasetHash) < 64 ||
		!strings.Contains(string(bm.Metadata), "dice_mean") || !strings.Contains(string(bm.Metrics), "primary") {
		t.Fatalf("registered benchmark: %+v %v", bm, err)
	}
	bid := fmt.Sprint(b.ID)
	t.Run("a model cannot join a benchmark that is not approved", func(t *testing.T) {
		w.fail(bo, 6, "model", "associate", "-m", fmt.Sprint(ref), "-b", bid, "-y")
	})
	w.fail(bo, 4, "benchmark", "approve", "-b", bid) // only an admin approves
	w.run(admin, "benchmark", "approve", "-b", bid)
	if bm, _ = w.ts.Admin.GetBenchmark(w.ctx(), b.ID); bm.ApprovalStatus != medperf.StatusApproved {
		t.Fatalf("after approval: %s", bm.ApprovalStatus)
	}

	// Flow 3: models, one rejected and asked again.
	cc := w.submitCube(mo, "model", cubes.ModelCC)
	logreg := w.submitCube(mo, "model", cubes.ModelLogReg, "-a", w.files+"/weights.tar.gz")
	w.run(mo, "model", "associate", "-m", fmt.Sprint(cc), "-b", bid, "-y")
	if a := w.latest(b.ID, medperf.KindModel, cc); a.ApprovalStatus != medperf.StatusPending || !strings.Contains(string(a.Metadata), "dice_mean") {
		t.Fatalf("model request: %+v", a)
	}
	w.run(bo, "association", "reject", "-b", bid, "-m", fmt.Sprint(cc))
	if a := w.latest(b.ID, medperf.KindModel, cc); a.ApprovalStatus != medperf.StatusRejected {
		t.Fatalf("after rejection: %+v", a)
	}
	w.run(mo, "model", "associate", "-m", fmt.Sprint(cc), "-b", bid, "-y")
	w.run(bo, "association", "approve", "-b", bid, "-m", fmt.Sprint(cc))
	w.run(mo, "model", "associate", "-m", fmt.Sprint(logreg), "-b", bid, "-y")
	w.fail(mo, 4, "association", "approve", "-b", bid, "-m", fmt.Sprint(logreg)) // never one's own request
	w.run(bo, "association", "approve", "-b", bid, "-m", fmt.Sprint(logreg))
	w.run(bo, "association", "set-priority", "-b", bid, "-m", fmt.Sprint(logreg), "-p", "5")
	for m, want := range map[int64]int{cc: 0, logreg: 5} {
		if a := w.latest(b.ID, medperf.KindModel, m); a.ApprovalStatus != medperf.StatusApproved || a.Priority != want {
			t.Fatalf("model %d: %+v", m, a)
		}
	}

	// Flow 2: two datasets.
	d1 := w.dataset(do1, b.ID, "site-a")
	d2 := w.dataset(do2, b.ID, "site-b")
	w.run(bo, "association", "approve", "-b", bid, "-d", fmt.Sprint(d1))
	w.run(bo, "association", "approve", "-b", bid, "-d", fmt.Sprint(d2))
	// The benchmark owner withdraws the second dataset.
	w.run(bo, "association", "reject", "-b", bid, "-d", fmt.Sprint(d2))
	if h, _ := w.ts.Admin.AssociationHistory(w.ctx(), b.ID, medperf.KindDataset, d2); len(h) != 2 || h[1].ApprovalStatus != medperf.StatusRejected {
		t.Fatalf("withdrawal: %+v", h)
	}
	t.Run("a withdrawn dataset cannot run the models", func(t *testing.T) {
		w.fail(do2, 6, "benchmark", "run", "-b", bid, "-d", fmt.Sprint(d2), "-m", fmt.Sprint(cc))
	})

	// Flow 4: a run killed with kill -9, then run again.
	finished := w.killedRun(do1, b.ID, d1)
	code, out, errs := w.exec(do1, "benchmark", "run", "-b", bid, "-d", fmt.Sprint(d1))
	if code != 0 || strings.Contains(errs, "done in") || !strings.Contains(out, "ran") {
		t.Fatalf("the rerun: exit %d; progress must stay quiet in a pipe\n%s%s", code, out, errs)
	}
	t.Run("the rerun does not repeat the steps finished before the kill", func(t *testing.T) {
		names := map[int64]string{ref: cubes.ReferenceModel, cc: cubes.ModelCC, logreg: cubes.ModelLogReg}
		for _, st := range finished {
			var m int64
			var task string
			fmt.Sscanf(strings.Replace(st.Name, "/", " ", 1), "model-%d %s", &m, &task)
			logs, _ := filepath.Glob(filepath.Join(w.storage(do1), "logs", names[m]+"-"+task+"-*.log"))
			if len(logs) != 1 {
				t.Errorf("step %s ran %d times", st.Name, len(logs))
			}
		}
	})
	var local []site.LocalResult
	w.json(do1, &local, "result", "ls", "--local")
	if len(local) != 3 {
		t.Fatalf("local results after the rerun: %+v\n%s", local, out)
	}
	w.run(do1, "result", "submit", "-b", bid, "-d", fmt.Sprint(d1), "-y")
	w.run(do1, "result", "submit", "-b", bid, "-d", fmt.Sprint(d1), "-y") // nothing left to submit
	t.Run("a submitted result is never submitted again", func(t *testing.T) {
		w.fail(do1, 6, "result", "submit", "-r", local[0].ResultKey.String(), "-y")
	})
	w.oneResultPerModel(b.ID, d1, []int64{ref, cc, logreg})
	t.Run("the model owner sees the results of their model", func(t *testing.T) {
		var rs []medperf.Result
		w.json(mo, &rs, "result", "ls", "-m", fmt.Sprint(cc))
		if len(rs) != 1 || rs[0].ModelID != cc || !strings.Contains(string(rs[0].Metrics), "dice_mean") {
			t.Fatalf("%+v", rs)
		}
	})
	t.Run("lists in yaml and table", func(t *testing.T) {
		if out := w.run(bo, "association", "ls", "-b", bid, "-o", "yaml"); !strings.Contains(out, "approval_status: APPROVED") {
			t.Fatal(out)
		}
		if out := w.run(bo, "benchmark", "ls"); !strings.Contains(out, "lesions") || !strings.Contains(out, "APPROVED") {
			t.Fatal(out)
		}
		var mine []medperf.Association
		w.json(do2, &mine, "association", "ls", "-d", fmt.Sprint(d2))
		if len(mine) != 1 || mine[0].ApprovalStatus != medperf.StatusRejected {
			t.Fatalf("the withdrawn dataset's associations across benchmarks: %+v", mine)
		}
	})

	// Flow 5: the compatibility test registers nothing.
	before := w.counts()
	var rep site.TestReport
	w.json(mo, &rep, "test", "run", "-b", bid, "-m", fmt.Sprint(cc))
	if !strings.Contains(string(rep.Metrics), "dice_mean") || w.counts() != before {
		t.Fatalf("test run: %+v; counts %v -> %v", rep, before, w.counts())
	}

	t.Run("on a terminal each task shows its elapsed time", func(t *testing.T) {
		script, err := exec.LookPath("script")
		if err != nil {
			t.Skip("no script(1) to give the command a terminal")
		}
		cmd := exec.Command(script, "-qec", w.bin+" test run -b "+bid+" -m "+fmt.Sprint(logreg), "/dev/null")
		cmd.Env = append(os.Environ(), "MEDPERF_HOME="+mo.home)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "infer done in") || !strings.Contains(string(out), "evaluate done in") {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("storage ls and cleanup", func(t *testing.T) {
		var u []site.Usage
		w.json(do1, &u, "storage", "ls")
		if len(u) == 0 {
			t.Fatal("no storage areas")
		}
		w.run(do1, "storage", "cleanup")
		w.json(do1, &u, "storage", "ls")
		for _, a := range u {
			if a.Removable && a.Bytes != 0 {
				t.Errorf("%s still holds %d bytes after cleanup", a.Area, a.Bytes)
			}
			if a.Area == "results" && a.Bytes == 0 {
				t.Error("cleanup removed the results")
			}
		}
	})
	t.Run("the canary never reaches the server", func(t *testing.T) { w.checkCanary(t) })
	t.Run("no token is in the server's logs", func(t *testing.T) {
		for _, u := range []*user{admin, bo, mo, do1, do2} {
			if strings.Contains(w.logs.String(), u.token) {
				t.Errorf("the token of %s is in the server's logs", u.name)
			}
		}
		if !strings.Contains(w.logs.String(), "/api/v1/") {
			t.Error("the server logged no request: the check sees nothing")
		}
	})
}

// dataset runs flow 2 for one data owner and returns the dataset's id.
func (w *world) dataset(u *user, benchmark int64, siteName string) int64 {
	t := w.t
	data, labels := w.siteData(u, siteName, 3)
	var d entity
	w.json(u, &d, "dataset", "submit", "-b", fmt.Sprint(benchmark), "-d", data, "-l", labels, "--name", "data of "+u.name,
		"--location", "Hospital "+u.name, "-y")
	id := fmt.Sprint(d.ID)
	if ds, _ := w.ts.Admin.GetDataset(w.ctx(), d.ID); ds.State != medperf.StateDevelopment || ds.Location != "Hospital "+u.name {
		t.Fatalf("registered dataset: %+v", ds)
	}
	w.fail(u, 6, "dataset", "associate", "-d", id, "-b", fmt.Sprint(benchmark), "-y") // not operational yet
	// The second site's preparation is killed with kill -9 in the middle, then continued.
	if siteName == "site-b" {
		steps := w.killAfterFirstStep(u, filepath.Join(w.storage(u), "datasets", id, "prepare.journal.json"), "dataset", "prepare", "-d", id)
		w.fail(u, 6, "dataset", "set-operational", "-d", id, "-y") // not prepared yet
		w.run(u, "dataset", "prepare", "-d", id)
		for _, st := range steps {
			if logs, _ := filepath.Glob(filepath.Join(w.storage(u), "logs", cubes.Preparator+"-"+st.Name+"-*.log")); len(logs) != 1 {
				t.Errorf("prepare step %s ran %d times", st.Name, len(logs))
			}
		}
		t.Logf("killed the preparation after %v", steps)
	}
	w.run(u, "dataset", "prepare", "-d", id)
	w.run(u, "dataset", "set-operational", "-d", id, "-y")
	ds, _ := w.ts.Admin.GetDataset(w.ctx(), d.ID)
	if ds.State != medperf.StateOperation || ds.GeneratedUID == "" || len(ds.GeneratedMetadata) == 0 {
		t.Fatalf("operational dataset: %+v", ds)
	}
	w.run(u, "dataset", "associate", "-d", id, "-b", fmt.Sprint(benchmark), "-y")
	if a := w.latest(benchmark, medperf.KindDataset, d.ID); a.ApprovalStatus != medperf.StatusPending {
		t.Fatalf("dataset request: %+v", a)
	}
	return d.ID
}

// killedRun starts a benchmark run, kills it with SIGKILL once a step has
// finished, and checks that it had not finished.
func (w *world) killedRun(u *user, b, d int64) []site.Step {
	steps := w.killAfterFirstStep(u, filepath.Join(w.storage(u), "runs", fmt.Sprintf("b%d-d%d.journal.json", b, d)),
		"benchmark", "run", "-b", fmt.Sprint(b), "-d", fmt.Sprint(d))
	var local []site.LocalResult
	w.json(u, &local, "result", "ls", "--local")
	if len(local) >= 3 {
		w.t.Fatalf("the run was killed after its last model: %d local results", len(local))
	}
	w.t.Logf("killed the run with %d of 3 models done, after steps %v", len(local), steps)
	return steps
}

// killAfterFirstStep runs medperf as u, waits until the journal records a
// finished step, and kills the process with SIGKILL. It returns the steps
// the journal held then.
func (w *world) killAfterFirstStep(u *user, journal string, args ...string) []site.Step {
	t := w.t
	cmd := w.command(u, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	var j site.Journal
	for {
		if raw, err := os.ReadFile(journal); err == nil && json.Unmarshal(raw, &j) == nil && len(j.Steps) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("medperf %s finished no step in 3 minutes", strings.Join(args, " "))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("medperf %s ended before it was killed", strings.Join(args, " "))
	}
	return j.Steps
}

// oneResultPerModel checks the server holds exactly one finalized result
// of each model on the dataset.
func (w *world) oneResultPerModel(b, d int64, models []int64) {
	l, err := w.ts.Admin.ListResults(w.ctx(), medperf.ResultFilter{BenchmarkID: b, DatasetID: d})
	if err != nil {
		w.t.Fatal(err)
	}
	per := map[int64]int{}
	for _, r := range l.Items {
		if !r.Finalized {
			w.t.Errorf("result %d is not finalized", r.ID)
		}
		per[r.ModelID]++
	}
	for _, m := range models {
		if per[m] != 1 {
			w.t.Errorf("model %d has %d results, want 1 (all: %v)", m, per[m], per)
		}
	}
	if len(l.Items) != len(models) {
		w.t.Errorf("%d results, want %d", len(l.Items), len(models))
	}
}

// counts is the number of each kind of entity on the server.
func (w *world) counts() [4]int {
	ctx, a := w.ctx(), w.ts.Admin
	c, _ := a.ListContainers(ctx, medperf.ContainerFilter{})
	b, _ := a.ListBenchmarks(ctx, medperf.BenchmarkFilter{})
	d, _ := a.ListDatasets(ctx, medperf.DatasetFilter{})
	r, _ := a.ListResults(ctx, medperf.ResultFilter{})
	return [4]int{c.Total, b.Total, d.Total, r.Total}
}

// checkCanary looks for the canary in every request body the server
// received, in its logs and in every file of its data directory.
func (w *world) checkCanary(t *testing.T) {
	if strings.Contains(w.bodies.all(), canary) {
		t.Error("the canary is in a request body the server received")
	}
	if !strings.Contains(w.bodies.all(), "Hospital") {
		t.Error("the recorder saw no dataset registration: it records nothing")
	}
	if strings.Contains(w.logs.String(), canary) {
		t.Error("the canary is in the server's logs")
	}
	filepath.Walk(w.ts.DataDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), canary) {
				t.Errorf("the canary is in the server's file %s", filepath.Base(p))
			}
		}
		return nil
	})
}
