package site

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

func TestSurveyCountsWhatTheHashCovers(t *testing.T) {
	dir := t.TempDir()
	data, labels := filepath.Join(dir, "data"), filepath.Join(dir, "labels")
	os.MkdirAll(filepath.Join(data, "sub"), 0o755)
	os.MkdirAll(labels, 0o755)
	os.WriteFile(filepath.Join(data, "a"), make([]byte, 100), 0o644)
	os.WriteFile(filepath.Join(data, "sub", "b"), make([]byte, 20), 0o644)
	os.WriteFile(filepath.Join(labels, "c"), make([]byte, 3), 0o644)
	files, bytes, err := Survey(context.Background(), data, labels)
	if err != nil || files != 3 || bytes != 123 {
		t.Fatalf("Survey = %d files, %d bytes, %v; want 3, 123", files, bytes, err)
	}
	d, err := Hasher{}.Hash(context.Background(), data, labels)
	if err != nil || d.Files != files || d.Bytes != bytes {
		t.Errorf("the hash covers %d files, %d bytes (%v); Survey says %d, %d", d.Files, d.Bytes, err, files, bytes)
	}
	t.Run("a missing folder is invalid", func(t *testing.T) {
		if _, _, err := Survey(context.Background(), filepath.Join(dir, "nope")); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want invalid", err)
		}
	})
}

func TestLocalDatasetsAndJournalsShowWhatOperationsWrote(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	if ds, err := tw.do.LocalDatasets(); err != nil || len(ds) != 0 {
		t.Fatalf("a fresh site lists %+v, %v", ds, err)
	}
	d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d", Location: "here"})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := tw.do.PrepareJournal(d.ID); err != nil || len(j.Steps) != 0 {
		t.Fatalf("before preparing, the journal holds %+v, %v", j, err)
	}
	if err := tw.do.Prepare(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	ds, err := tw.do.LocalDatasets()
	if err != nil || len(ds) != 1 || ds[0].ID != d.ID || ds[0].DataPath != tw.rawData {
		t.Fatalf("LocalDatasets = %+v, %v", ds, err)
	}
	j, err := tw.do.PrepareJournal(d.ID)
	if err != nil || !j.Done("prepare") || !j.Done("statistics") {
		t.Fatalf("the preparation journal: %+v, %v", j, err)
	}
	if j, err := tw.do.RunJournal(tw.benchmark.ID, d.ID); err != nil || len(j.Steps) != 0 {
		t.Fatalf("no run yet, but the run journal holds %+v, %v", j, err)
	}
}
