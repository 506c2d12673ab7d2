package site

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/medperf/medperf"
)

// LocalDataset is what a site keeps about one of its datasets: where its raw
// data is (never sent), the hashes and the preparator. It lives in
// datasets/<id>/dataset.json.
type LocalDataset struct {
	ID           int64  `json:"id"`
	BenchmarkID  int64  `json:"benchmark"`
	PreparatorID int64  `json:"preparator"`
	DataPath     string `json:"data_path"`
	LabelsPath   string `json:"labels_path"`
	InputHash    string `json:"input_data_hash"`
	GeneratedUID string `json:"generated_uid,omitempty"`
}

// DatasetSubmission is the input of SubmitDataset. Location is free text the
// user chooses (e.g. "Hospital A, radiology"); paths are never sent.
type DatasetSubmission struct {
	BenchmarkID          int64
	DataPath, LabelsPath string
	Name, Description    string
	Location             string
}

func (s *Site) prepared(id int64) Prepared {
	return Prepared{Dir: s.path(datasetsDir, strconv.FormatInt(id, 10), "prepared")}
}

// LocalDataset returns the local record of dataset id: CodeNotFound when the
// dataset was not registered from this machine (with this MEDPERF_HOME).
func (s *Site) LocalDataset(id int64) (*LocalDataset, error) {
	var d LocalDataset
	if err := readJSON(s.path(datasetsDir, strconv.FormatInt(id, 10), "dataset.json"), &d); err != nil {
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			return nil, medperf.Errorf(medperf.CodeNotFound, "dataset %d was not registered from this machine (MEDPERF_HOME): its data is not here", id)
		}
		return nil, err
	}
	return &d, nil
}

func (s *Site) saveLocalDataset(d *LocalDataset) error {
	return writeJSON(s.path(datasetsDir, strconv.FormatInt(d.ID, 10), "dataset.json"), d)
}

// hashRaw returns the hash of raw data and labels.
func (s *Site) hashRaw(ctx context.Context, data, labels string) (string, error) {
	if data == "" && labels == "" {
		return "", medperf.Errorf(medperf.CodeConflict, "the raw data is not on this machine (the dataset was imported with 'medperf dataset import'): do this where the dataset was registered")
	}
	return s.hash(ctx, "the raw data", data, labels)
}

// requireFiles refuses a raw data folder that holds no regular file at any
// depth: registering it would make a dataset of nothing, which the
// preparator only rejects later, after the registration.
func requireFiles(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return medperf.FieldError("data path", "%s is not a folder: give the folder of the raw data", filepath.Base(dir))
	}
	errFound := errors.New("found")
	err = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			return errFound
		}
		return nil
	})
	if err == errFound {
		return nil
	}
	return medperf.FieldError("data path", "the folder %s holds no files: give the folder that holds the raw data", filepath.Base(dir))
}

// SubmitDataset hashes the raw data and labels, shows the registration (name,
// description, location, hash, the benchmark's preparator), asks, and
// registers the dataset in DEVELOPMENT; the paths stay in the local record.
func (s *Site) SubmitDataset(ctx context.Context, in DatasetSubmission) (*medperf.Dataset, error) {
	b, err := s.Registry.GetBenchmark(ctx, in.BenchmarkID)
	if err != nil {
		return nil, err
	}
	if err := requireFiles(in.DataPath); err != nil {
		return nil, err
	}
	h, err := s.hashRaw(ctx, in.DataPath, in.LabelsPath)
	if err != nil {
		return nil, err
	}
	payload := medperf.DatasetInput{Name: in.Name, Description: in.Description, Location: in.Location,
		InputDataHash: h, DataPreparationContainer: b.DataPreparationContainer, State: medperf.StateDevelopment}
	if err := s.confirm("Register this dataset?", payload); err != nil {
		return nil, err
	}
	d, err := s.Registry.CreateDataset(ctx, payload)
	if err != nil {
		return nil, err
	}
	rec := &LocalDataset{ID: d.ID, BenchmarkID: b.ID, PreparatorID: b.DataPreparationContainer,
		DataPath: in.DataPath, LabelsPath: in.LabelsPath, InputHash: h}
	return d, s.saveLocalDataset(rec)
}

// checkRaw recomputes the raw data's hash and refuses data that changed
// since registration.
func (s *Site) checkRaw(ctx context.Context, rec *LocalDataset) error {
	h, err := s.hashRaw(ctx, rec.DataPath, rec.LabelsPath)
	if err != nil {
		return err
	}
	if h != rec.InputHash {
		return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the raw data of dataset %d changed since it was registered (hash %s, registered %s): restore the data, or register it again with 'medperf dataset submit'", rec.ID, h, rec.InputHash)
	}
	return nil
}

// Prepare runs the preparator on dataset id (prepare, sanity_check,
// statistics), continuing after the last finished step of an earlier,
// interrupted run. The raw data must still have its registered hash. With
// Options.ReportConsent the preparation report is sent after prepare.
func (s *Site) Prepare(ctx context.Context, id int64) error {
	rec, err := s.LocalDataset(id)
	if err != nil {
		return err
	}
	d, err := s.Registry.GetDataset(ctx, id)
	if err != nil {
		return err
	}
	unlock, err := lock(s.path(datasetsDir, strconv.FormatInt(id, 10), "prepare.lock"), "the preparation of this dataset")
	if err != nil {
		return err
	}
	defer unlock()
	if d.State == medperf.StateOperation {
		return medperf.Errorf(medperf.CodeConflict, "dataset %d is already in OPERATION: it was prepared and cannot change; associate it with 'medperf dataset associate'", id)
	}
	if err := s.checkRaw(ctx, rec); err != nil {
		return err
	}
	prep, err := s.Container(ctx, d.DataPreparationContainer)
	if err != nil {
		return err
	}
	j, err := OpenJournal(s.path(datasetsDir, strconv.FormatInt(id, 10), "prepare.journal.json"))
	if err != nil {
		return err
	}
	if err := j.CheckData(rec.InputHash, "run 'medperf dataset prepare' again"); err != nil {
		return err
	}
	out := s.prepared(id)
	if s.Options.ReportConsent {
		stop := s.watchReport(ctx, id, out)
		defer stop()
	}
	return s.prepare(ctx, prep, rec.DataPath, rec.LabelsPath, out, j, func() error { return s.sendReport(ctx, id, out) })
}

// sendReport sends the preparation report when the user consented.
func (s *Site) sendReport(ctx context.Context, id int64, out Prepared) error {
	if !s.Options.ReportConsent {
		return nil
	}
	report, err := yamlFileAsJSON(out.Report(), "the preparation report")
	if err != nil {
		return nil // a preparator without a report sends nothing
	}
	_, err = s.Registry.UpdateDataset(ctx, id, medperf.DatasetPatch{Report: &report})
	return err
}

// SetOperational recomputes the raw and prepared hashes of a prepared
// dataset, shows exactly what is sent (the prepared hash, the statistics and
// the new state), asks, and moves the dataset to OPERATION.
func (s *Site) SetOperational(ctx context.Context, id int64) (*medperf.Dataset, error) {
	rec, err := s.LocalDataset(id)
	if err != nil {
		return nil, err
	}
	j, err := OpenJournal(s.path(datasetsDir, strconv.FormatInt(id, 10), "prepare.journal.json"))
	if err != nil {
		return nil, err
	}
	if !j.Done(StepStatistics) {
		return nil, medperf.Errorf(medperf.CodeConflict, "dataset %d is not prepared yet: run 'medperf dataset prepare -d %d' first", id, id)
	}
	if err := s.checkRaw(ctx, rec); err != nil {
		return nil, err
	}
	out := s.prepared(id)
	uid, err := s.hashPrepared(ctx, out)
	if err != nil {
		return nil, err
	}
	stats, err := yamlFileAsJSON(out.Statistics(), "the statistics")
	if err != nil {
		return nil, err
	}
	state := medperf.StateOperation
	patch := medperf.DatasetPatch{GeneratedUID: &uid, GeneratedMetadata: &stats, State: &state}
	if err := s.confirm("Send these statistics and make the dataset operational?", patch); err != nil {
		return nil, err
	}
	d, err := s.Registry.UpdateDataset(ctx, id, patch)
	if err != nil {
		return nil, err
	}
	rec.GeneratedUID = uid
	return d, s.saveLocalDataset(rec)
}

// checkPrepared recomputes the prepared data's hash and refuses data that
// differs from the registered generated_uid.
func (s *Site) checkPrepared(ctx context.Context, d *medperf.Dataset) (string, error) {
	out := s.prepared(d.ID)
	uid, err := s.hashPrepared(ctx, out)
	if err != nil {
		return "", err
	}
	if uid != d.GeneratedUID {
		return "", medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the prepared data of dataset %d changed since it was made operational (hash %s, registered %s): restore it from a backup; results on it cannot be used", d.ID, uid, d.GeneratedUID)
	}
	return uid, nil
}

// rawJSON marshals v, for metadata.
func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// DatasetCheck is the outcome of CheckDataset.
type DatasetCheck struct {
	ID              int64  `json:"id"`
	InputDataHash   string `json:"input_data_hash"`
	RawMatches      bool   `json:"raw_data_matches"`
	GeneratedUID    string `json:"generated_uid,omitempty"`
	PreparedMatches bool   `json:"prepared_data_matches"`
}

// CheckDataset recomputes the raw hash, and the prepared hash when the
// dataset is prepared, and compares them with the registered ones. A
// mismatch is reported, not an error.
func (s *Site) CheckDataset(ctx context.Context, id int64) (*DatasetCheck, error) {
	rec, err := s.LocalDataset(id)
	if err != nil {
		return nil, err
	}
	d, err := s.Registry.GetDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &DatasetCheck{ID: id}
	if out.InputDataHash, err = s.hashRaw(ctx, rec.DataPath, rec.LabelsPath); err != nil {
		return nil, err
	}
	out.RawMatches = out.InputDataHash == d.InputDataHash
	if d.GeneratedUID != "" {
		p := s.prepared(id)
		if out.GeneratedUID, err = s.hashPrepared(ctx, p); err != nil {
			return nil, err
		}
		out.PreparedMatches = out.GeneratedUID == d.GeneratedUID
	}
	return out, nil
}
