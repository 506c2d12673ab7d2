package site

import (
	"errors"
	"slices"
	"time"

	"github.com/medperf/medperf"
)

// Journal records which steps of a long operation (a preparation, a
// benchmark run) have finished, so that the operation continues from the
// last finished step after a crash or a kill. It is rewritten atomically
// after every step (writeJSON): a kill -9 at any moment leaves either the
// journal before the step or the one after it, never a torn one. A step
// whose end was not recorded is run again from scratch.
type Journal struct {
	file string
	// DataHash is the hash of the data the steps were computed on; a
	// journal whose data changed since is refused (see CheckData).
	DataHash string `json:"data_hash"`
	// Steps are the finished steps, in the order they finished.
	Steps []Step `json:"steps"`
}

// Step is one finished step of a Journal.
type Step struct {
	Name       string    `json:"name"`
	FinishedAt time.Time `json:"finished_at"`
}

// OpenJournal reads the journal at file, or returns an empty one.
func OpenJournal(file string) (*Journal, error) {
	j := &Journal{}
	if err := readJSON(file, j); err != nil && medperf.ErrorCode(err) != medperf.CodeNotFound {
		return nil, err
	}
	j.file = file
	return j, nil
}

// Done reports whether step has finished.
func (j *Journal) Done(step string) bool {
	return slices.ContainsFunc(j.Steps, func(s Step) bool { return s.Name == step })
}

// Finish records that step has finished and saves the journal atomically.
func (j *Journal) Finish(step string) error {
	if j.Done(step) {
		return nil
	}
	j.Steps = append(j.Steps, Step{Name: step, FinishedAt: time.Now().UTC()})
	return j.save()
}

// Forget removes step (and every step recorded after it) and saves.
func (j *Journal) Forget(step string) error {
	i := slices.IndexFunc(j.Steps, func(s Step) bool { return s.Name == step })
	if i < 0 {
		return nil
	}
	j.Steps = j.Steps[:i]
	return j.save()
}

// Reset empties the journal, starting over on data of hash dataHash.
func (j *Journal) Reset(dataHash string) error {
	j.Steps = nil
	j.DataHash = dataHash
	return j.save()
}

// ErrDataChanged is the code-carrying error of a journal whose data changed.
var ErrDataChanged = errors.New("data changed")

// CheckData refuses the finished steps of a journal computed on other data
// than dataHash: a CodeConflict that tells the user to start over. An empty
// journal adopts dataHash.
func (j *Journal) CheckData(dataHash, startOver string) error {
	if j.DataHash == "" || len(j.Steps) == 0 {
		j.DataHash = dataHash
		return j.save()
	}
	if j.DataHash != dataHash {
		return &medperf.Error{Code: medperf.CodeConflict, Err: ErrDataChanged,
			Message: "the data changed since the earlier, unfinished run: its results cannot be used; " + startOver}
	}
	return nil
}

func (j *Journal) save() error { return writeJSON(j.file, j) }
