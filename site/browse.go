package site

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
)

// This file holds the read-only views of a site's local state that the local
// web app (package ui) shows: they read the same records and journals the
// operations write, so work started from the command line shows in the
// browser and continues there, and back.

// Survey counts the files under paths that a dataset's hash would cover and
// their total size in bytes, without reading their contents: a preview of
// what registering the folders means. Errors name the path at fault, like
// Hasher's (CodeInvalid for a missing folder or a file that cannot be read).
func Survey(ctx context.Context, paths ...string) (files int, bytes int64, err error) {
	for i, p := range paths {
		entries, err := walker{}.listFiles(ctx, i, p)
		if err != nil {
			return 0, 0, err
		}
		for _, e := range entries {
			files++
			bytes += e.size
		}
	}
	return files, bytes, nil
}

// PrepareJournal returns the journal of dataset id's preparation: its
// finished steps, none when it never started here.
func (s *Site) PrepareJournal(id int64) (*Journal, error) {
	return OpenJournal(s.path(datasetsDir, strconv.FormatInt(id, 10), "prepare.journal.json"))
}

// RunJournal returns the journal of the run of benchmark benchmarkID on
// dataset datasetID: its finished steps, none when it never started here.
func (s *Site) RunJournal(benchmarkID, datasetID int64) (*Journal, error) {
	return OpenJournal(s.path(runsDir, fmt.Sprintf("b%d-d%d.journal.json", benchmarkID, datasetID)))
}

// LocalDatasets lists the datasets registered from this machine (with this
// Home), by id.
func (s *Site) LocalDatasets() ([]LocalDataset, error) {
	entries, err := os.ReadDir(s.path(datasetsDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, storageError(err)
	}
	var out []LocalDataset
	for _, e := range entries {
		id, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		if d, err := s.LocalDataset(id); err == nil {
			out = append(out, *d)
		}
	}
	slices.SortFunc(out, func(a, b LocalDataset) int { return int(a.ID - b.ID) })
	return out, nil
}
