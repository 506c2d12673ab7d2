package site

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// TestSubmitDatasetRefusesAnEmptyFolder guards friction 11 of issue 13: a
// raw data folder without a single file is refused before anything is
// registered.
func TestSubmitDatasetRefusesAnEmptyFolder(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	before, err := tw.w.DataOwner.ListDatasets(ctx, medperf.DatasetFilter{})
	if err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.MkdirAll(filepath.Join(empty, "sub"), 0o755)
	for name, data := range map[string]string{"an empty folder": empty, "a missing folder": filepath.Join(empty, "nope")} {
		t.Run(name+" is invalid", func(t *testing.T) {
			_, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: data, LabelsPath: tw.rawLabels, Name: "d"})
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("err %v, want invalid", err)
			}
		})
	}
	l, err := tw.w.DataOwner.ListDatasets(ctx, medperf.DatasetFilter{})
	if err != nil || l.Total != before.Total {
		t.Fatalf("datasets registered after refusals: %v %v", l, err)
	}
}
