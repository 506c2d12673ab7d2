package site

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// RunOptions tune a benchmark run.
type RunOptions struct {
	// Models restricts the run to these models (each approved, or the
	// reference model); empty means every approved model plus the reference.
	Models []int64
	// IgnoreModelErrors goes on with the next model when one fails.
	IgnoreModelErrors bool
	// NoCache runs again the models whose results are already kept locally
	// (unsubmitted ones are replaced).
	NoCache bool
	// Rerun runs again the models whose results were already submitted
	// (finalized): the new result is kept locally and is submitted as a
	// new, non-final record (MedPerf's --rerun-finalized and --new-result).
	Rerun bool
}

// ModelOutcome is what happened to one model in a run.
type ModelOutcome struct {
	Model   int64  `json:"model"`
	Status  string `json:"status"` // ran, cached, submitted, failed
	Error   string `json:"error,omitempty"`
	Results string `json:"results,omitempty"` // the local result's key
}

// RunModels lists the models a run executes, in order: the approved models
// by priority (higher first, then by id), then the reference model. When
// only is given, each must be approved or the reference model.
func (s *Site) RunModels(ctx context.Context, b *medperf.Benchmark, only []int64) ([]int64, error) {
	approved, err := client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Association], error) {
		return s.Registry.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: b.ID, Kind: medperf.KindModel,
			ApprovalStatus: medperf.StatusApproved, Page: p})
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(approved, func(a, c medperf.Association) int {
		if a.Priority != c.Priority {
			return c.Priority - a.Priority
		}
		return int(a.ComponentID - c.ComponentID)
	})
	var all []int64
	for _, a := range approved {
		if a.ComponentID != b.ReferenceModelContainer {
			all = append(all, a.ComponentID)
		}
	}
	all = append(all, b.ReferenceModelContainer)
	if len(only) == 0 {
		return all, nil
	}
	for _, m := range only {
		if !slices.Contains(all, m) {
			return nil, medperf.Errorf(medperf.CodeConflict, "association not approved: model %d is not an approved participant of benchmark %d: its owner asks with 'medperf model associate -m %d -b %d' and the benchmark owner approves", m, b.ID, m, b.ID)
		}
	}
	return only, nil
}

// datasetApproved refuses a run of other models than the reference one on a
// dataset that is not an approved participant.
func (s *Site) datasetApproved(ctx context.Context, b *medperf.Benchmark, d *medperf.Dataset) error {
	status, err := s.DatasetAssociation(ctx, b.ID, d.ID)
	if err != nil || status == medperf.StatusApproved {
		return err
	}
	return medperf.Errorf(medperf.CodeConflict, "association not approved: dataset %d's association with benchmark %d is %s: ask with 'medperf dataset associate -d %d -b %d' and wait for the benchmark owner's approval", d.ID, b.ID, associationWord(status), d.ID, b.ID)
}

// DatasetAssociation returns the status of the latest association of
// dataset datasetID with benchmark benchmarkID: "" when the dataset never
// asked to join.
func (s *Site) DatasetAssociation(ctx context.Context, benchmarkID, datasetID int64) (medperf.ApprovalStatus, error) {
	l, err := s.Registry.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: benchmarkID, Kind: medperf.KindDataset, ComponentID: datasetID})
	if err != nil {
		return "", err
	}
	if len(l.Items) == 0 {
		return "", nil
	}
	return l.Items[0].ApprovalStatus, nil
}

// associationWord is a status for a message: "not requested" when empty.
func associationWord(status medperf.ApprovalStatus) string {
	if status == "" {
		return "not requested"
	}
	return string(status)
}

// NotJoinedWarning is what a data owner reads before running a benchmark on
// a dataset that has not joined it (status is its association's, "" when
// never requested): only the reference model runs, and its result cannot
// be submitted until the dataset joins. "" when the dataset has joined.
func NotJoinedWarning(benchmarkID, datasetID int64, status medperf.ApprovalStatus) string {
	if status == medperf.StatusApproved {
		return ""
	}
	return fmt.Sprintf("dataset %d has not joined benchmark %d (its association is %s): only the reference model runs, as a check of your data, "+
		"and its result stays on this machine: it cannot be submitted until the benchmark owner approves the dataset. Ask to join with "+
		"'medperf dataset associate -d %d -b %d'", datasetID, benchmarkID, associationWord(status), datasetID, benchmarkID)
}

// Run runs benchmark b on dataset d: for each model of RunModels, infer
// (data read-only) then evaluate, keeping each model's metrics locally (see
// LocalResult). It continues an interrupted run from the last finished
// step, and refuses to continue one computed on prepared data whose hash has
// changed since (NoCache starts over). A model whose local result is kept is
// not run again unless NoCache.
func (s *Site) Run(ctx context.Context, benchmarkID, datasetID int64, o RunOptions) ([]ModelOutcome, error) {
	b, d, err := s.benchmarkAndDataset(ctx, benchmarkID, datasetID)
	if err != nil {
		return nil, err
	}
	models, err := s.RunModels(ctx, b, o.Models)
	if err != nil {
		return nil, err
	}
	if err := s.checkRunPolicy(ctx, b, models); err != nil {
		return nil, err
	}
	if len(models) > 1 || models[0] != b.ReferenceModelContainer {
		if err := s.datasetApproved(ctx, b, d); err != nil {
			return nil, err
		}
	}
	if _, err := s.LocalDataset(d.ID); err != nil {
		return nil, err
	}
	unlock, err := lock(s.path(runsDir, fmt.Sprintf("b%d-d%d.lock", b.ID, d.ID)), "this benchmark on this dataset")
	if err != nil {
		return nil, err
	}
	defer unlock()
	j, uid, err := s.openRunJournal(ctx, b, d, o.NoCache)
	if err != nil {
		return nil, err
	}
	evaluator, err := s.ContainerIn(ctx, b.ID, b.DataEvaluatorContainer)
	if err != nil {
		return nil, err
	}
	return s.runEachModel(ctx, b, d, models, evaluator, j, uid, o)
}

// openRunJournal checks that d's prepared data is intact and opens the
// run's journal on it: reset with noCache, else refused when it was
// written for other prepared data. It returns the journal and the data's hash.
func (s *Site) openRunJournal(ctx context.Context, b *medperf.Benchmark, d *medperf.Dataset, noCache bool) (*Journal, string, error) {
	uid, err := s.checkPrepared(ctx, d)
	if err != nil {
		return nil, "", err
	}
	j, err := OpenJournal(s.path(runsDir, fmt.Sprintf("b%d-d%d.journal.json", b.ID, d.ID)))
	if err != nil {
		return nil, "", err
	}
	if noCache {
		err = j.Reset(uid)
	} else {
		err = j.CheckData(uid, fmt.Sprintf("run again with --no-cache ('medperf benchmark run -b %d -d %d --no-cache')", b.ID, d.ID))
	}
	if err != nil {
		return nil, "", err
	}
	return j, uid, nil
}

// runEachModel runs each model in turn; a failed model stops the run unless
// IgnoreModelErrors, and a cancel always stops it.
func (s *Site) runEachModel(ctx context.Context, b *medperf.Benchmark, d *medperf.Dataset, models []int64, evaluator *Component, j *Journal, uid string, o RunOptions) ([]ModelOutcome, error) {
	var out []ModelOutcome
	for _, m := range models {
		oc, err := s.runModel(ctx, b, d, m, evaluator, j, uid, o)
		if err != nil {
			if !o.IgnoreModelErrors || medperf.ErrorCode(err) == medperf.CodeCanceled {
				return out, err
			}
			oc = ModelOutcome{Model: m, Status: "failed", Error: medperf.ErrorMessage(err)}
		}
		out = append(out, oc)
	}
	return out, nil
}

// runModel runs one model unless its result is kept locally.
func (s *Site) runModel(ctx context.Context, b *medperf.Benchmark, d *medperf.Dataset, modelID int64, evaluator *Component, j *Journal, uid string, o RunOptions) (ModelOutcome, error) {
	key := ResultKey{BenchmarkID: b.ID, ModelID: modelID, DatasetID: d.ID}
	oc := ModelOutcome{Model: modelID, Results: key.String()}
	noCache := o.NoCache || o.Rerun
	var previous *Submission
	if prev, err := s.LocalResult(key); err == nil {
		previous = cmp.Or(prev.Submitted, prev.Previous)
		switch {
		case prev.Submitted != nil && !o.Rerun: // a submitted result never changes
			oc.Status = "submitted"
			return oc, nil
		case prev.DataHash == uid && !noCache:
			oc.Status = "cached"
			return oc, nil
		}
	}
	if err := ctxErr(ctx); err != nil {
		return oc, err
	}
	model, err := s.ContainerIn(ctx, b.ID, modelID)
	if err != nil {
		return oc, err
	}
	prefix := fmt.Sprintf("model-%d/", modelID)
	if noCache {
		j.Forget(prefix + StepInfer)
	}
	ex := Execution{Dir: filepath.Join(s.path(resultsDir), key.String())}
	metrics, err := s.execute(ctx, model, evaluator, s.prepared(d.ID), ex, j, prefix)
	if err != nil {
		return oc, err
	}
	r := &LocalResult{ResultKey: key, DataHash: uid, Metrics: metrics, ComputedAt: time.Now().UTC(), Previous: previous}
	if err := s.saveLocalResult(r); err != nil {
		return oc, err
	}
	oc.Status = "ran"
	return oc, j.Forget(prefix + StepInfer) // the result file now holds the outcome
}
