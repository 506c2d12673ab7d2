package synth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// treeHash returns the sha256 of every file under dir, by relative path.
func treeHash(tb testing.TB, dir string) map[string][32]byte {
	tb.Helper()
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = sha256.Sum256(b)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestGenerationIsDeterministic(t *testing.T) {
	root := t.TempDir()
	gen := func(name string, seed uint64) map[string][32]byte {
		dir := filepath.Join(root, name)
		if err := WriteDataset(dir, Sites["site-b"], 3, seed); err != nil {
			t.Fatal(err)
		}
		return treeHash(t, dir)
	}
	a, b, c := gen("a", 1), gen("b", 1), gen("c", 2)
	if len(a) != 6 {
		t.Fatalf("dataset has %d files, want 3 images and 3 labels", len(a))
	}
	for k := range a {
		if a[k] != b[k] {
			t.Errorf("%s differs between two runs with the same seed", k)
		}
		if a[k] == c[k] && filepath.Dir(k) == "data" {
			t.Errorf("%s is the same for two seeds", k)
		}
	}
}

func TestSitesDiffer(t *testing.T) {
	for _, name := range []string{"site-a", "site-b", "site-c"} {
		img, label, err := GenerateCase(Sites[name], 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := Sites[name].Shape()
		if img.Dims != [3]int{want, want, want} || img.Voxel[0] != Sites[name].VoxelMM || label.Dims != img.Dims {
			t.Errorf("%s: dims %v voxel %v", name, img.Dims, img.Voxel)
		}
		if img.Dims[0] > 48 {
			t.Errorf("%s: %d voxels per axis, want at most 48 to stay fast", name, img.Dims[0])
		}
	}
	if Sites["site-a"].Shape() == Sites["site-b"].Shape() {
		t.Error("site-a and site-b share a grid: prepare would not need to resample")
	}
}

func TestUnknownSiteNamesGiveStableSites(t *testing.T) {
	a, b := SiteNamed("hospital-x"), SiteNamed("hospital-x")
	if a != b || a.Name != "hospital-x" {
		t.Errorf("%+v != %+v", a, b)
	}
	if c := SiteNamed("hospital-y"); c == a {
		t.Error("two names give the same site")
	}
}

func TestWriteDatasetRefuses(t *testing.T) {
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	tests := []struct {
		name  string
		dir   string
		cases int
	}{
		{"zero cases", filepath.Join(t.TempDir(), "d"), 0},
		{"too many cases", filepath.Join(t.TempDir(), "d"), MaxCases + 1},
		{"a non-empty directory", full, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			if err := WriteDataset(tt.dir, Sites["demo"], tt.cases, 1); medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("err %v, want invalid", err)
			}
		})
	}
	for _, bad := range []string{"", "Site", "../x", "a b", "x/y", string(make([]byte, 41))} {
		if CheckSiteName(bad) == nil {
			t.Errorf("site name %q accepted", bad)
		}
	}
}

func TestDemoTarball(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteDemoTarball(&a, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteDemoTarball(&b, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two demo tarballs of one seed differ: their sha256 would not be stable")
	}
	zr, err := gzip.NewReader(&a)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			files[h.Name], _ = io.ReadAll(tr)
		}
	}
	if got := string(files[PathsFile]); got != "data_path: data\nlabels_path: labels\n" {
		t.Errorf("paths.yaml = %q", got)
	}
	for i := 0; i < DemoCases; i++ {
		for _, dir := range []string{"data/", "labels/"} {
			b, ok := files[dir+CaseName(i)+".nii.gz"]
			if !ok {
				t.Fatalf("tarball lacks %s%s.nii.gz", dir, CaseName(i))
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := nifti.Read(zr); err != nil {
				t.Errorf("%s%s: %v", dir, CaseName(i), err)
			}
		}
	}
}

func TestSiteWithInvisibleLesionsIsRefused(t *testing.T) {
	tiny := Sites["demo"]
	tiny.Name, tiny.LesionRadiusMM, tiny.HardShare = "tiny", [2]float64{0.1, 0.2}, 0
	dir := filepath.Join(t.TempDir(), "d")
	if err := WriteDataset(dir, tiny, 2, 1); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("err %v, want invalid", err)
	}
	for _, sub := range []string{"data", "labels"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			t.Errorf("%s left behind after the failure", sub)
		}
	}
}
