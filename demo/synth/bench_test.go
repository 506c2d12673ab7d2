package synth

import (
	"path/filepath"
	"testing"

	"github.com/medperf/medperf/demo/cubes"
)

// BenchmarkGenerateCase measures generating one site-a case (40³ voxels).
func BenchmarkGenerateCase(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, _, err := GenerateCase(Sites["site-a"], 1, i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSitePipeline measures the whole benchmark at one site of 10 cases
// through the cube tasks on files: prepare, sanity_check, three models'
// infer and evaluate (data generation excluded).
func BenchmarkSitePipeline(b *testing.B) {
	root := b.TempDir()
	if err := WriteDataset(filepath.Join(root, "raw"), Sites["site-a"], 10, 1); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d := mustDirs(b, b.TempDir(), "data", "labels", "pred")
		mustRun(b, cubes.Preparator, "prepare", cubes.Mounts{
			"data_path": filepath.Join(root, "raw", "data"), "labels_path": filepath.Join(root, "raw", "labels"),
			"output_path": d["data"], "output_labels_path": d["labels"]})
		mustRun(b, cubes.Preparator, "sanity_check", cubes.Mounts{"data_path": d["data"], "labels_path": d["labels"]})
		for _, model := range []string{cubes.ModelThreshold, cubes.ModelCC, cubes.ModelLogReg} {
			mustRun(b, model, "infer", cubes.Mounts{"data_path": d["data"], "output_path": d["pred"],
				"additional_files": filepath.Join(examples, model, "additional_files")})
			mustRun(b, cubes.Evaluator, "evaluate", cubes.Mounts{"predictions": d["pred"], "labels": d["labels"],
				"output_path": filepath.Join(d["pred"], "..", "results.yaml")})
		}
	}
}
