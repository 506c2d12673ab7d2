package site

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/archive"
)

// TestSpec says what a compatibility test runs. The components come from
// the benchmark (BenchmarkID) unless given; the data is the benchmark's demo
// dataset unless DemoURL, DatasetID or DataPath says otherwise.
type TestSpec struct {
	BenchmarkID                  int64
	Preparator, Model, Evaluator *Component
	// DemoURL and DemoHash name a demo tarball (URL or local path); an empty
	// DemoHash accepts any tarball and reports its hash.
	DemoURL, DemoHash string
	// DatasetID runs on the prepared data of a local, operational dataset.
	DatasetID int64
	// DataPath and LabelsPath are raw data to prepare instead.
	DataPath, LabelsPath string
	// demoFromRegistry is set when DemoURL is the benchmark's: then it
	// must be an http(s) URL.
	demoFromRegistry bool
}

// TestReport is the outcome of a compatibility test: only hashes, the demo
// data's statistics and the metrics, so that it may be sent to the registry
// as an association's or a benchmark's metadata.
type TestReport struct {
	Data         string          `json:"data"`
	DemoHash     string          `json:"demo_dataset_tarball_hash,omitempty"`
	PreparedHash string          `json:"prepared_data_hash"`
	PreparatorID int64           `json:"data_preparation_mlcube,omitempty"`
	ModelID      int64           `json:"model,omitempty"`
	EvaluatorID  int64           `json:"data_evaluator_mlcube,omitempty"`
	Statistics   json.RawMessage `json:"statistics,omitempty"`
	Metrics      json.RawMessage `json:"results"`
	RanAt        time.Time       `json:"ran_at"`
}

// Test runs the pipeline (prepare, sanity_check, statistics unless the data
// is already prepared; infer; evaluate) without registering anything. The
// demo data's preparation is cached by tarball hash and preparator.
func (s *Site) Test(ctx context.Context, spec TestSpec) (*TestReport, error) {
	// A private demo URL is refused before any component is downloaded.
	if err := s.checkURLPolicy(ctx, spec.DemoURL); err != nil {
		return nil, err
	}
	if err := s.testComponents(ctx, &spec); err != nil {
		return nil, err
	}
	rep := &TestReport{PreparatorID: spec.Preparator.ID, ModelID: spec.Model.ID, EvaluatorID: spec.Evaluator.ID}
	data, err := s.testData(ctx, spec, rep)
	if err != nil {
		return nil, err
	}
	work := Execution{Dir: s.path(testsDir, strconv.FormatInt(time.Now().UnixNano(), 36))}
	j, err := OpenJournal(filepath.Join(work.Dir, "journal.json"))
	if err != nil {
		return nil, err
	}
	if rep.Metrics, err = s.execute(ctx, spec.Model, spec.Evaluator, data, work, j, ""); err != nil {
		return nil, err
	}
	rep.RanAt = time.Now().UTC()
	if err := writeJSON(filepath.Join(work.Dir, "report.json"), rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// testComponents fills the components a spec leaves out from its benchmark.
func (s *Site) testComponents(ctx context.Context, spec *TestSpec) error {
	if spec.Preparator != nil && spec.Model != nil && spec.Evaluator != nil {
		return nil
	}
	if spec.BenchmarkID == 0 {
		return medperf.FieldError("benchmark", "is required unless the preparator, model and evaluator are all given")
	}
	b, err := s.Registry.GetBenchmark(ctx, spec.BenchmarkID)
	if err != nil {
		return err
	}
	useDemo := spec.DemoURL == "" && spec.DatasetID == 0 && spec.DataPath == ""
	if useDemo { // before any component is downloaded
		if err := s.checkURLPolicy(ctx, b.DemoDatasetURL); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		dst **Component
		id  int64
	}{{&spec.Preparator, b.DataPreparationContainer}, {&spec.Model, b.ReferenceModelContainer}, {&spec.Evaluator, b.DataEvaluatorContainer}} {
		if *c.dst == nil {
			if *c.dst, err = s.ContainerIn(ctx, b.ID, c.id); err != nil {
				return err
			}
		}
	}
	if useDemo {
		spec.DemoURL, spec.DemoHash, spec.demoFromRegistry = b.DemoDatasetURL, b.DemoDatasetHash, true
	}
	return nil
}

// testData returns the prepared data a test runs on.
func (s *Site) testData(ctx context.Context, spec TestSpec, rep *TestReport) (Prepared, error) {
	switch {
	case spec.DatasetID != 0:
		if _, err := s.LocalDataset(spec.DatasetID); err != nil {
			return Prepared{}, err
		}
		d, err := s.Registry.GetDataset(ctx, spec.DatasetID)
		if err != nil {
			return Prepared{}, err
		}
		if d.State != medperf.StateOperation {
			return Prepared{}, notOperational(d.ID)
		}
		if rep.PreparedHash, err = s.checkPrepared(ctx, d); err != nil {
			return Prepared{}, err
		}
		rep.Data = fmt.Sprintf("dataset %d", d.ID)
		return s.prepared(d.ID), nil
	case spec.DataPath != "":
		rep.Data = "local data"
		return s.prepareTestData(ctx, spec.Preparator, spec.DataPath, spec.LabelsPath, s.path(testsDir, "prepared-"+strconv.FormatInt(time.Now().UnixNano(), 36)), rep)
	case spec.DemoURL != "":
		raw, sum, err := s.DemoData(s.fetchContext(ctx, spec.demoFromRegistry), spec.DemoURL, spec.DemoHash)
		if err != nil {
			return Prepared{}, err
		}
		rep.Data, rep.DemoHash = "demo dataset", sum
		if s.Options.SkipDemoPreparation {
			return s.preparedDemo(ctx, raw, rep)
		}
		dir := s.path(demoDir, sum, fmt.Sprintf("prepared-%d-%s", spec.Preparator.ID, safeName(spec.Preparator.ImageHash)))
		return s.prepareTestData(ctx, spec.Preparator, raw.Data, raw.Labels, dir, rep)
	}
	return Prepared{}, medperf.FieldError("data", "give the demo data, a dataset or local data to test on")
}

func (s *Site) prepareTestData(ctx context.Context, prep *Component, data, labels, dir string, rep *TestReport) (Prepared, error) {
	out := Prepared{Dir: dir}
	j, err := OpenJournal(filepath.Join(dir, "journal.json"))
	if err != nil {
		return out, err
	}
	if prep.ID == 0 || s.Options.NoCache {
		j.Reset("") // a local preparator may have changed: never reuse
	}
	if err := s.prepare(ctx, prep, data, labels, out, j, nil); err != nil {
		return out, err
	}
	if rep.PreparedHash, err = s.hashPrepared(ctx, out); err != nil {
		return out, err
	}
	rep.Statistics, err = yamlFileAsJSON(out.Statistics(), "the statistics")
	return out, err
}

// RawData is a raw dataset on disk.
type RawData struct{ Data, Labels string }

// DemoData returns the extracted demo dataset of src (a URL or local path of
// a tarball) verified against hash ("" accepts any tarball), and its
// sha256. It is downloaded and extracted once per hash.
func (s *Site) DemoData(ctx context.Context, src, hash string) (RawData, string, error) {
	if err := s.checkURLPolicy(ctx, src); err != nil {
		return RawData{}, "", err
	}
	s.progress("fetching the demo dataset ...")
	file, sum, err := cube.FetchFile(s.fetchContext(ctx, false), s.HTTP, src, hash, s.path(demoDir, "downloads"), "demo dataset tarball")
	if err != nil {
		return RawData{}, "", err
	}
	dir := s.path(demoDir, sum, "raw")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := extractTo(file, dir); err != nil {
			return RawData{}, "", err
		}
	}
	var paths struct {
		Data   string `yaml:"data_path"`
		Labels string `yaml:"labels_path"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "paths.yaml"))
	if err != nil || yaml.Unmarshal(b, &paths) != nil || paths.Data == "" || paths.Labels == "" {
		return RawData{}, "", medperf.Errorf(medperf.CodeInvalid, "the demo dataset tarball has no valid paths.yaml naming data_path and labels_path: ask the benchmark owner to fix it")
	}
	rd := RawData{Data: filepath.Join(dir, filepath.Clean("/"+paths.Data)), Labels: filepath.Join(dir, filepath.Clean("/"+paths.Labels))}
	return rd, sum, nil
}

func extractTo(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return storageError(err)
	}
	defer f.Close()
	tmp := dir + fmt.Sprintf(".tmp-%d", os.Getpid())
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return storageError(err)
	}
	if err := archive.Extract(f, tmp, archive.DefaultLimits); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := cube.MakePrivate(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(dir); serr == nil {
			return nil
		}
		return storageError(err)
	}
	return nil
}
