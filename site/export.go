package site

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube/archive"
)

// ExportFormat names the layout of a dataset export archive: a tar.gz
// holding prepared/ (the prepared data, labels, statistics and metadata,
// as the preparator wrote them) and manifest.json (ExportManifest).
const ExportFormat = "medperf-dataset-export/1"

// ImportLimits bound what an export archive may unpack to: prepared
// datasets are larger than container files.
var ImportLimits = archive.Limits{MaxBytes: 4 << 40, MaxFiles: 10_000_000}

// ExportManifest is manifest.json of an export archive: which registered
// dataset it is, and the sha256 and size of every file under prepared/.
type ExportManifest struct {
	Format        string       `json:"format"`
	Dataset       int64        `json:"dataset"`
	Benchmark     int64        `json:"benchmark"`
	Preparator    int64        `json:"preparator"`
	InputDataHash string       `json:"input_data_hash"`
	GeneratedUID  string       `json:"generated_uid"`
	Files         []ExportFile `json:"files"`
}

// ExportFile is one file of prepared/, by its slash-separated path.
type ExportFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ExportDataset writes an archive of dataset id's prepared data to file,
// for ImportDataset on another machine. The dataset must be operational
// (its generated_uid registered) and its prepared data must still have that
// hash. The archive is written to a temporary file renamed to file at the
// end: a failure leaves nothing at file.
func (s *Site) ExportDataset(ctx context.Context, id int64, file string) (*ExportManifest, error) {
	rec, err := s.LocalDataset(id)
	if err != nil {
		return nil, err
	}
	d, err := s.Registry.GetDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.State != medperf.StateOperation || d.GeneratedUID == "" {
		return nil, notOperational(id)
	}
	if _, err := s.checkPrepared(ctx, d); err != nil {
		return nil, err
	}
	m := &ExportManifest{Format: ExportFormat, Dataset: id, Benchmark: rec.BenchmarkID, Preparator: d.DataPreparationContainer,
		InputDataHash: d.InputDataHash, GeneratedUID: d.GeneratedUID}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".medperf-export-*")
	if err != nil {
		return nil, medperf.FieldError("output", "cannot write next to %s: %v", file, err)
	}
	defer os.Remove(tmp.Name())
	err = writeExport(ctx, tmp, s.prepared(id).Dir, m)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = storageError(cerr)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return nil, asStorageError(err)
	}
	return m, nil
}

// writeExport writes the tar.gz of dir as prepared/, then m (filled with
// each file's hash) as manifest.json.
func writeExport(ctx context.Context, w io.Writer, dir string, m *ExportManifest) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	m.Files = []ExportFile{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := path.Join("prepared", filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0)})
		case !d.Type().IsRegular():
			return medperf.Errorf(medperf.CodeInvalid, "cannot export %s: only regular files and folders are exported (it is a link or a special file)", name)
		}
		f, err := addFile(tw, p, name)
		if err == nil {
			m.Files = append(m.Files, f)
		}
		return err
	})
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// addFile writes the file p as name and returns its manifest entry.
func addFile(tw *tar.Writer, p, name string) (ExportFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return ExportFile{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ExportFile{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: fi.Size(), ModTime: time.Unix(0, 0)}); err != nil {
		return ExportFile{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tw, h), f)
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s changed while it was exported", p)
	}
	return ExportFile{Path: name[len("prepared/"):], SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, err
}

// ImportDataset unpacks an archive of ExportDataset into this site as the
// local copy of its dataset, after checking, in order: the archive is
// safe to extract (cube/archive), its manifest names dataset wantID (any
// when 0), every file has the sha256 and size the manifest says and no
// file is missing or extra, the registry's dataset has the manifest's
// generated_uid, input hash and preparator, and the prepared data hashes to
// that generated_uid. Any mismatch is refused naming what differs
// (CodeInvalid), and nothing is kept: the dataset appears whole or not at
// all. A dataset already on this site is CodeConflict.
func (s *Site) ImportDataset(ctx context.Context, file string, wantID int64) (*ExportManifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, medperf.FieldError("input", "cannot read %s: %v", file, err)
	}
	defer f.Close()
	if err := os.MkdirAll(s.path(datasetsDir), 0o700); err != nil {
		return nil, storageError(err)
	}
	work, err := os.MkdirTemp(s.path(datasetsDir), ".import-*")
	if err != nil {
		return nil, storageError(err)
	}
	defer os.RemoveAll(work)
	unpacked := filepath.Join(work, "archive")
	if err := archive.Extract(f, unpacked, ImportLimits); err != nil {
		return nil, err
	}
	m, err := readManifest(filepath.Join(unpacked, "manifest.json"), wantID)
	if err != nil {
		return nil, err
	}
	prepared := Prepared{Dir: filepath.Join(unpacked, "prepared")}
	if err := verifyManifest(ctx, prepared.Dir, m); err != nil {
		return nil, err
	}
	if err := s.checkImported(ctx, prepared, m); err != nil {
		return nil, err
	}
	return m, s.installImported(work, prepared.Dir, m)
}

func readManifest(file string, wantID int64) (*ExportManifest, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "not a dataset export: the archive has no manifest.json")
	}
	var m ExportManifest
	if err := json.Unmarshal(b, &m); err != nil || m.Format != ExportFormat {
		return nil, medperf.Errorf(medperf.CodeInvalid, "not a dataset export of this medperf: manifest.json is not a %s manifest", ExportFormat)
	}
	if m.Dataset <= 0 {
		return nil, medperf.FieldError("manifest.dataset", "is not a dataset id")
	}
	if wantID != 0 && m.Dataset != wantID {
		return nil, medperf.Errorf(medperf.CodeInvalid, "the archive holds dataset %d, not dataset %d", m.Dataset, wantID)
	}
	return &m, nil
}

// verifyManifest checks every file under dir against m: same set of
// files, same sizes, same sha256.
func verifyManifest(ctx context.Context, dir string, m *ExportManifest) error {
	want := make(map[string]ExportFile, len(m.Files))
	for _, f := range m.Files {
		want[f.Path] = f
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if err := ctxErr(ctx); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		f, ok := want[rel]
		if !ok || !d.Type().IsRegular() {
			return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: prepared/%s is in the archive but not in its manifest: the archive was altered; export it again", rel)
		}
		delete(want, rel)
		sum, n, err := sumFile(p)
		if err != nil {
			return err
		}
		if sum != f.SHA256 || n != f.Size {
			return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: prepared/%s has sha256 %s (%d bytes), the manifest says %s (%d bytes): the archive was altered or damaged; export it again", rel, sum, n, f.SHA256, f.Size)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for rel := range want {
		return medperf.Errorf(medperf.CodeInvalid, "prepared/%s is in the manifest but missing from the archive: export it again", rel)
	}
	return nil
}

func sumFile(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, storageError(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, storageError(err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// checkImported compares the manifest with the registered dataset and the
// prepared data's MedPerf hash with its generated_uid.
func (s *Site) checkImported(ctx context.Context, prepared Prepared, m *ExportManifest) error {
	if _, err := s.LocalDataset(m.Dataset); err == nil {
		return medperf.Errorf(medperf.CodeConflict, "dataset %d is already on this machine (MEDPERF_HOME): nothing was imported", m.Dataset)
	}
	d, err := s.Registry.GetDataset(ctx, m.Dataset)
	if err != nil {
		return err
	}
	for _, c := range []struct{ field, got, want string }{
		{"generated_uid", m.GeneratedUID, d.GeneratedUID},
		{"input_data_hash", m.InputDataHash, d.InputDataHash},
		{"data_preparation_mlcube", strconv.FormatInt(m.Preparator, 10), strconv.FormatInt(d.DataPreparationContainer, 10)},
	} {
		if c.got != c.want {
			return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the archive's %s is %s, dataset %d is registered with %s: this is not the registered dataset", c.field, c.got, d.ID, c.want)
		}
	}
	uid, err := s.hash(ctx, "the imported prepared data", prepared.Data(), prepared.Labels())
	if err != nil {
		return err
	}
	if uid != d.GeneratedUID {
		return medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the imported prepared data hashes to %s, dataset %d is registered with generated_uid %s", uid, d.ID, d.GeneratedUID)
	}
	return nil
}

// installImported moves the verified prepared data to the dataset's folder
// with a local record: assembled in work, then renamed in one step.
func (s *Site) installImported(work, prepared string, m *ExportManifest) error {
	ds := filepath.Join(work, "dataset")
	if err := os.MkdirAll(ds, 0o700); err != nil {
		return storageError(err)
	}
	if err := os.Rename(prepared, filepath.Join(ds, "prepared")); err != nil {
		return storageError(err)
	}
	rec := &LocalDataset{ID: m.Dataset, BenchmarkID: m.Benchmark, PreparatorID: m.Preparator, InputHash: m.InputDataHash, GeneratedUID: m.GeneratedUID}
	if err := writeJSON(filepath.Join(ds, "dataset.json"), rec); err != nil {
		return err
	}
	if err := os.Rename(ds, s.path(datasetsDir, strconv.FormatInt(m.Dataset, 10))); err != nil {
		if errors.Is(err, fs.ErrExist) || errors.Is(err, syscall.ENOTEMPTY) {
			return medperf.Errorf(medperf.CodeConflict, "dataset %d is already on this machine (MEDPERF_HOME): nothing was imported", m.Dataset)
		}
		return storageError(err)
	}
	return nil
}

// asStorageError keeps a medperf.Error and makes anything else a storage
// error.
func asStorageError(err error) error {
	var me *medperf.Error
	if errors.As(err, &me) {
		return err
	}
	return storageError(err)
}
