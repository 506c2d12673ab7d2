package site

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// rewriteArchive rewrites the tar.gz file with edit applied to its entries
// (name -> content; a nil content drops the entry).
func rewriteArchive(tb testing.TB, file string, edit func(map[string][]byte)) string {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	tr := tar.NewReader(zr)
	entries := map[string][]byte{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		b, _ := io.ReadAll(tr)
		entries[h.Name] = b
		order = append(order, h.Name)
	}
	edit(entries)
	for name := range entries {
		if !strings.Contains(strings.Join(order, "\n"), name) {
			order = append(order, name)
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range order {
		b, ok := entries[name]
		if !ok || b == nil {
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))})
		tw.Write(b)
	}
	tw.Close()
	zw.Close()
	out := filepath.Join(tb.TempDir(), "edited.tar.gz")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	return out
}

func editManifest(tb testing.TB, e map[string][]byte, edit func(*ExportManifest)) {
	var m ExportManifest
	if err := json.Unmarshal(e["manifest.json"], &m); err != nil {
		tb.Fatal(err)
	}
	edit(&m)
	e["manifest.json"], _ = json.Marshal(m)
}

func TestExportImportDataset(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	d := tw.MustOperationalDataset(t)
	file := filepath.Join(t.TempDir(), "d.tar.gz")
	m, err := tw.do.ExportDataset(ctx, d, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) == 0 || m.GeneratedUID == "" {
		t.Fatalf("manifest %+v", m)
	}
	other := func() *Site { return tw.site(t, tw.w.DataOwner) } // another machine, the same account
	t.Run("the imported dataset runs on the other machine", func(t *testing.T) {
		s := other()
		got, err := s.ImportDataset(ctx, file, d)
		if err != nil {
			t.Fatal(err)
		}
		if got.Dataset != d {
			t.Errorf("imported %d, want %d", got.Dataset, d)
		}
		if _, err := s.LocalDataset(d); err != nil {
			t.Fatal(err)
		}
		oc, err := s.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{tw.model}})
		if err != nil || oc[0].Status != "ran" {
			t.Fatalf("run on the imported dataset: %v %v", oc, err)
		}
		if _, err := s.ImportDataset(ctx, file, d); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Errorf("a second import: %v, want conflict", err)
		}
		if _, err := s.CheckDataset(ctx, d); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Errorf("check without the raw data: %v, want conflict", err)
		}
	})
	refused := []struct {
		name, says string
		edit       func(map[string][]byte)
		want       int64
	}{
		{"a changed file", "hash mismatch", func(e map[string][]byte) {
			for name := range e {
				if strings.HasPrefix(name, "prepared/data/") {
					e[name] = append(e[name], 'x')
					return
				}
			}
		}, 0},
		{"a changed file with a manifest that agrees", "imported prepared data hashes to", func(e map[string][]byte) {
			editManifest(t, e, func(m *ExportManifest) {
				for i, f := range m.Files {
					if strings.HasPrefix(f.Path, "data/") {
						b := append(e["prepared/"+f.Path], 'x')
						e["prepared/"+f.Path] = b
						sum := sha256.Sum256(b)
						m.Files[i].SHA256, m.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(b))
						return
					}
				}
			})
		}, 0},
		{"an extra file", "not in its manifest", func(e map[string][]byte) { e["prepared/data/extra.txt"] = []byte("x") }, 0},
		{"a missing file", "missing", func(e map[string][]byte) {
			for name := range e {
				if strings.HasPrefix(name, "prepared/labels/") {
					delete(e, name)
					return
				}
			}
		}, 0},
		{"another generated_uid", "generated_uid", func(e map[string][]byte) {
			editManifest(t, e, func(m *ExportManifest) { m.GeneratedUID = strings.Repeat("0", 64) })
		}, 0},
		{"another preparator", "data_preparation_mlcube", func(e map[string][]byte) {
			editManifest(t, e, func(m *ExportManifest) { m.Preparator++ })
		}, 0},
		{"no manifest", "no manifest.json", func(e map[string][]byte) { delete(e, "manifest.json") }, 0},
		{"another dataset than -d", "not dataset", func(map[string][]byte) {}, d + 1},
	}
	for _, tt := range refused {
		t.Run(tt.name+" is refused, naming it, and leaves nothing", func(t *testing.T) {
			s := other()
			_, err := s.ImportDataset(ctx, rewriteArchive(t, file, tt.edit), tt.want)
			if medperf.ErrorCode(err) != medperf.CodeInvalid || !strings.Contains(medperf.ErrorMessage(err), tt.says) {
				t.Fatalf("ImportDataset: %v; want invalid saying %q", err, tt.says)
			}
			entries, _ := os.ReadDir(filepath.Join(s.Home, datasetsDir))
			if len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	t.Run("the prepared data must still have its registered hash to be exported", func(t *testing.T) {
		p := tw.do.prepared(d)
		extra := filepath.Join(p.Data(), "tampered.txt")
		os.WriteFile(extra, []byte("x"), 0o600)
		defer os.Remove(extra)
		out := filepath.Join(t.TempDir(), "x.tar.gz")
		if _, err := tw.do.ExportDataset(ctx, d, out); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("export: %v, want invalid", err)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("a failed export left %s", out)
		}
	})
	t.Run("a dataset not yet operational is not exported", func(t *testing.T) {
		nd, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "n" + strconv.Itoa(int(d))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tw.do.ExportDataset(ctx, nd.ID, filepath.Join(t.TempDir(), "n.tar.gz")); medperf.ErrorCode(err) != medperf.CodeConflict {
			t.Errorf("export: %v, want conflict", err)
		}
	})
}
