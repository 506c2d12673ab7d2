package synth

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// MaxCases bounds the cases of one generated dataset.
const MaxCases = 1000

var siteName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// CheckSiteName validates a site name: 1 to 40 lowercase letters, digits,
// '-' or '_', starting with a letter or digit.
func CheckSiteName(name string) error {
	if !siteName.MatchString(name) {
		return medperf.FieldError("--site", "%q is not a site name: use 1 to 40 lowercase letters, digits, '-' or '_'", name)
	}
	return nil
}

// CaseName returns the file stem of case i.
func CaseName(i int) string { return fmt.Sprintf("case-%03d", i) }

// WriteDataset writes n cases of site for seed under dir, as
// dir/data/<case>.nii.gz and dir/labels/<case>.nii.gz. dir must be empty or
// absent, so that a dataset is never mixed with other files.
func WriteDataset(dir string, site Site, n int, seed uint64) error {
	if n < 1 || n > MaxCases {
		return medperf.FieldError("--cases", "want 1 to %d cases, got %d", MaxCases, n)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return medperf.FieldError("--out", "the directory is not empty; choose a new one")
	}
	for _, sub := range []string{"data", "labels"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return medperf.FieldError("--out", "cannot create the output directory")
		}
	}
	if err := writeCases(dir, site, n, seed); err != nil {
		// Leave nothing half-written: the two folders are ours.
		os.RemoveAll(filepath.Join(dir, "data"))
		os.RemoveAll(filepath.Join(dir, "labels"))
		return err
	}
	return nil
}

func writeCases(dir string, site Site, n int, seed uint64) error {
	for i := 0; i < n; i++ {
		img, label, err := GenerateCase(site, seed, i)
		if err != nil {
			return err
		}
		if err := nifti.WriteFile(filepath.Join(dir, "data", CaseName(i)+".nii.gz"), img, site.Datatype); err != nil {
			return err
		}
		if err := nifti.WriteFile(filepath.Join(dir, "labels", CaseName(i)+".nii.gz"), label, nifti.Uint8); err != nil {
			return err
		}
	}
	return nil
}

// DemoCases is the number of cases of the benchmark's demo dataset.
const DemoCases = 4

// PathsFile is the demo tarball's index of its folders.
const PathsFile = "paths.yaml"

// WriteDemoTarball writes the benchmark's demo dataset (DemoCases cases of
// the "demo" site) as a gzip-compressed tar holding paths.yaml (data_path and
// labels_path, relative), data/ and labels/. The bytes depend only on seed,
// so that the tarball's sha256 is stable.
func WriteDemoTarball(w io.Writer, seed uint64) error {
	zw := gzip.NewWriter(w) // no name or time in the header: reproducible
	tw := tar.NewWriter(zw)
	add := func(name string, b []byte) error {
		return tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX})
	}
	write := func(name string, b []byte) error {
		if err := add(name, b); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	for _, d := range []string{"data/", "labels/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	if err := write(PathsFile, []byte("data_path: data\nlabels_path: labels\n")); err != nil {
		return err
	}
	site := Sites["demo"]
	for i := 0; i < DemoCases; i++ {
		img, label, err := GenerateCase(site, seed, i)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			dir string
			v   *nifti.Volume
			dt  nifti.Datatype
		}{{"data/", img, site.Datatype}, {"labels/", label, nifti.Uint8}} {
			b, err := gzipped(f.v, f.dt)
			if err != nil {
				return err
			}
			if err := write(f.dir+CaseName(i)+".nii.gz", b); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// gzipped returns v as .nii.gz bytes.
func gzipped(v *nifti.Volume, dt nifti.Datatype) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := nifti.Write(zw, v, dt); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
