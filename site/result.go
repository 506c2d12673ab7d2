package site

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/medperf/medperf"
)

// ResultKey names a result: one model on one dataset for one benchmark.
type ResultKey struct {
	BenchmarkID int64 `json:"benchmark"`
	ModelID     int64 `json:"model"`
	DatasetID   int64 `json:"dataset"`
}

// String is the key's folder name under results/: b<B>-m<M>-d<D>.
func (k ResultKey) String() string {
	return fmt.Sprintf("b%d-m%d-d%d", k.BenchmarkID, k.ModelID, k.DatasetID)
}

func (k ResultKey) key() string { return k.String() }

// ParseResultKey reads a key written by String.
func ParseResultKey(s string) (ResultKey, error) {
	var k ResultKey
	if _, err := fmt.Sscanf(s, "b%d-m%d-d%d", &k.BenchmarkID, &k.ModelID, &k.DatasetID); err != nil || k.String() != s {
		return k, medperf.FieldError("result", "%q is not a local result (b<benchmark>-m<model>-d<dataset>; see 'medperf result ls --local')", s)
	}
	return k, nil
}

// LocalResult is a result kept on the site: computed by a run, then
// submitted after review. IdempotencyKey is chosen and saved before the
// first submission request, so that a submission retried after any crash
// returns the first one's result instead of making a second.
type LocalResult struct {
	ResultKey
	// DataHash is the prepared data's hash the metrics were computed on.
	DataHash       string          `json:"data_hash"`
	Metrics        json.RawMessage `json:"results"`
	ComputedAt     time.Time       `json:"computed_at"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	// Envelope is the site's signature of the submission, made before the
	// first request and sent again on retries (docs/trust.md).
	Envelope  json.RawMessage `json:"envelope,omitempty"`
	Submitted *Submission     `json:"submitted,omitempty"`
	// Previous is the finalized submission this result was computed again
	// after (RunOptions.Rerun): it is submitted as a new, non-final record,
	// and the finalized one stays the benchmark's.
	Previous *Submission `json:"previous_submission,omitempty"`
}

// Submission records a result's registration.
type Submission struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
}

func (s *Site) resultFile(k ResultKey) string {
	return filepath.Join(s.path(resultsDir), k.String(), "result.json")
}

// LocalResult returns the kept result of k, CodeNotFound when there is none.
func (s *Site) LocalResult(k ResultKey) (*LocalResult, error) {
	var r LocalResult
	if err := readJSON(s.resultFile(k), &r); err != nil {
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			return nil, medperf.Errorf(medperf.CodeNotFound, "no local result for benchmark %d, model %d, dataset %d: run 'medperf benchmark run -b %d -d %d' first", k.BenchmarkID, k.ModelID, k.DatasetID, k.BenchmarkID, k.DatasetID)
		}
		return nil, err
	}
	return &r, nil
}

func (s *Site) saveLocalResult(r *LocalResult) error { return writeJSON(s.resultFile(r.ResultKey), r) }

// ResultQuery selects local results; zero fields do not filter.
type ResultQuery struct{ BenchmarkID, ModelID, DatasetID int64 }

// LocalResults lists the kept results, sorted by key.
func (s *Site) LocalResults(q ResultQuery) ([]LocalResult, error) {
	entries, err := os.ReadDir(s.path(resultsDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, storageError(err)
	}
	var out []LocalResult
	for _, e := range entries {
		k, err := ParseResultKey(e.Name())
		if err != nil || (q.BenchmarkID != 0 && k.BenchmarkID != q.BenchmarkID) ||
			(q.ModelID != 0 && k.ModelID != q.ModelID) || (q.DatasetID != 0 && k.DatasetID != q.DatasetID) {
			continue
		}
		if r, err := s.LocalResult(k); err == nil {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b LocalResult) int { return strings.Compare(a.key(), b.key()) })
	return out, nil
}

// SubmitResult sends the kept result of k: the prepared data must still have
// the hash the metrics were computed on and the registered one; the exact
// payload is shown and must be confirmed. A result already submitted is
// CodeConflict. A retry after a crash at any point sends the same
// idempotency key, so the registry never holds it twice.
func (s *Site) SubmitResult(ctx context.Context, k ResultKey) (*medperf.Result, error) {
	unlock, err := lock(filepath.Join(s.path(resultsDir), k.String()+".lock"), "the submission of this result")
	if err != nil {
		return nil, err
	}
	defer unlock()
	r, err := s.LocalResult(k)
	if err != nil {
		return nil, err
	}
	if r.Submitted != nil {
		return nil, medperf.Errorf(medperf.CodeConflict, "result already finalized: it was submitted as result %d and never changes; see 'medperf result view %d'", r.Submitted.ID, r.Submitted.ID)
	}
	d, err := s.Registry.GetDataset(ctx, k.DatasetID)
	if err != nil {
		return nil, err
	}
	uid, err := s.checkPrepared(ctx, d)
	if err != nil {
		return nil, err
	}
	if uid != r.DataHash {
		return nil, medperf.Errorf(medperf.CodeConflict, "hash mismatch: the result was computed on prepared data with hash %s, not on the registered data (%s): run again with 'medperf benchmark run -b %d -d %d --no-cache'", r.DataHash, uid, k.BenchmarkID, k.DatasetID)
	}
	if err := s.requireJoined(ctx, k); err != nil {
		return nil, err
	}
	if r.IdempotencyKey == "" {
		r.IdempotencyKey = newKey()
		if err := s.saveLocalResult(r); err != nil {
			return nil, err
		}
	}
	in, err := s.submission(ctx, k, r)
	if err != nil {
		return nil, err
	}
	if err := s.confirm(fmt.Sprintf("Submit these results of model %d on dataset %d to benchmark %d?", k.ModelID, k.DatasetID, k.BenchmarkID), in); err != nil {
		return nil, err
	}
	res, _, err := s.Registry.SubmitResult(ctx, in)
	if err != nil {
		if medperf.ErrorCode(err) == medperf.CodeConflict {
			return nil, medperf.Errorf(medperf.CodeConflict, "result already finalized or not allowed: %s (see 'medperf result ls -b %d -d %d')", medperf.ErrorMessage(err), k.BenchmarkID, k.DatasetID)
		}
		return nil, err
	}
	r.Submitted = &Submission{ID: res.ID, At: time.Now().UTC()}
	return res, s.saveLocalResult(r)
}

// submission is what SubmitResult sends for r: a rerun is not final; the
// site policy must allow sending it, and it is signed when the site has a
// key (the same envelope on every retry).
func (s *Site) submission(ctx context.Context, k ResultKey, r *LocalResult) (medperf.ResultInput, error) {
	in := medperf.ResultInput{BenchmarkID: k.BenchmarkID, ModelID: k.ModelID, DatasetID: k.DatasetID,
		Metrics: r.Metrics, IdempotencyKey: r.IdempotencyKey}
	if r.Previous != nil {
		in.Finalized = new(false)
	}
	if err := s.checkSubmissionPolicy(ctx, r); err != nil {
		return in, err
	}
	return in, s.sign(ctx, r, &in)
}

func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// requireJoined refuses to submit a result on a dataset that has not joined
// the benchmark: the registry accepts the reference model's result of any
// dataset of its owner, but a dataset that never asked to join did not
// agree to be measured, and its owner ran the reference model only to check
// the data (see NotJoinedWarning).
func (s *Site) requireJoined(ctx context.Context, k ResultKey) error {
	status, err := s.DatasetAssociation(ctx, k.BenchmarkID, k.DatasetID)
	if err != nil || status == medperf.StatusApproved {
		return err
	}
	return medperf.Errorf(medperf.CodeConflict, "association not approved: dataset %d has not joined benchmark %d (its association is %s), so its results are not submitted: ask to join with 'medperf dataset associate -d %d -b %d', then submit once the benchmark owner approves", k.DatasetID, k.BenchmarkID, associationWord(status), k.DatasetID, k.BenchmarkID)
}
