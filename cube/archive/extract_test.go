package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// entry is one tar entry of a test archive.
type entry struct {
	name     string
	typ      byte
	body     string
	linkname string
	mode     int64
}

// MustTar builds a tar archive, gzip-compressed when gz is set.
func MustTar(tb testing.TB, gz bool, entries ...entry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var tw *tar.Writer
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(&buf)
		tw = tar.NewWriter(zw)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.linkname, Mode: e.mode, Size: int64(len(e.body))}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			tb.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if zw != nil {
		zw.Close()
	}
	return buf.Bytes()
}

func file(name, body string) entry { return entry{name: name, typ: tar.TypeReg, body: body} }

func TestExtractWritesFilesDirsAndInsideLinks(t *testing.T) {
	data := MustTar(t, true,
		entry{name: "weights/", typ: tar.TypeDir},
		file("weights/model.bin", "0123456789"),
		entry{name: "run.sh", typ: tar.TypeReg, body: "#!/bin/sh\n", mode: 0o4755},
		entry{name: "weights/same.bin", typ: tar.TypeLink, linkname: "weights/model.bin"},
		entry{name: "snapshots/v1/model.bin", typ: tar.TypeSymlink, linkname: "../../weights/model.bin"},
		entry{name: "latest", typ: tar.TypeSymlink, linkname: "snapshots/v1"},
		entry{name: "./", typ: tar.TypeDir},
	)
	dir := filepath.Join(t.TempDir(), "x")
	if err := Extract(bytes.NewReader(data), dir, DefaultLimits); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"weights/model.bin", "weights/same.bin", "latest/model.bin"} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || string(b) != "0123456789" {
			t.Errorf("%s: %q, %v", p, b, err)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, "run.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("run.sh mode %v: setuid must be dropped, exec kept", fi.Mode())
	}
}

func TestExtractRejectsUnsafeArchives(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		lim     Limits
		reason  Reason
		code    medperf.Code
	}{
		{"tar-slip with ..", []entry{file("../evil", "x")}, DefaultLimits, ReasonParentPath, medperf.CodeInvalid},
		{"tar-slip inside a path", []entry{file("a/../../evil", "x")}, DefaultLimits, ReasonParentPath, medperf.CodeInvalid},
		{"absolute path", []entry{file("/etc/evil", "x")}, DefaultLimits, ReasonAbsolutePath, medperf.CodeInvalid},
		{"symlink to an absolute path", []entry{{name: "l", typ: tar.TypeSymlink, linkname: "/etc/passwd"}}, DefaultLimits, ReasonSymlinkEsc, medperf.CodeInvalid},
		{"symlink climbing out", []entry{{name: "a/l", typ: tar.TypeSymlink, linkname: "../../etc"}}, DefaultLimits, ReasonSymlinkEsc, medperf.CodeInvalid},
		{"symlink escaping through another link", []entry{
			{name: "here", typ: tar.TypeSymlink, linkname: "."},
			{name: "l", typ: tar.TypeSymlink, linkname: "here/../outside"},
		}, DefaultLimits, ReasonSymlinkEsc, medperf.CodeInvalid},
		{"symlink chain loop", []entry{
			{name: "a", typ: tar.TypeSymlink, linkname: "b"},
			{name: "b", typ: tar.TypeSymlink, linkname: "a"},
		}, DefaultLimits, ReasonSymlinkEsc, medperf.CodeInvalid},
		{"file written through a symlink", []entry{
			{name: "l", typ: tar.TypeSymlink, linkname: "d"},
			file("l/f", "x"),
		}, DefaultLimits, ReasonDuplicate, medperf.CodeInvalid},
		{"hardlink out of the target", []entry{{name: "h", typ: tar.TypeLink, linkname: "../../etc/passwd"}}, DefaultLimits, ReasonHardlinkEsc, medperf.CodeInvalid},
		{"hardlink to an absolute path", []entry{{name: "h", typ: tar.TypeLink, linkname: "/etc/passwd"}}, DefaultLimits, ReasonHardlinkEsc, medperf.CodeInvalid},
		{"hardlink to no file of the archive", []entry{{name: "h", typ: tar.TypeLink, linkname: "missing"}}, DefaultLimits, ReasonHardlinkEsc, medperf.CodeInvalid},
		{"character device", []entry{{name: "null", typ: tar.TypeChar}}, DefaultLimits, ReasonSpecialFile, medperf.CodeInvalid},
		{"block device", []entry{{name: "sda", typ: tar.TypeBlock}}, DefaultLimits, ReasonSpecialFile, medperf.CodeInvalid},
		{"fifo", []entry{{name: "pipe", typ: tar.TypeFifo}}, DefaultLimits, ReasonSpecialFile, medperf.CodeInvalid},
		{"oversize total", []entry{file("a", "12345"), file("b", "123456")}, Limits{MaxBytes: 10, MaxFiles: 10}, ReasonTooLarge, medperf.CodeTooLarge},
		{"too many files", []entry{file("a", ""), file("b", ""), file("c", "")}, Limits{MaxBytes: 10, MaxFiles: 2}, ReasonTooManyFiles, medperf.CodeTooLarge},
		{"duplicate file", []entry{file("a", "1"), file("a", "2")}, DefaultLimits, ReasonDuplicate, medperf.CodeInvalid},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			name := tt.name + " is rejected"
			if gz {
				name += " (gzip)"
			}
			t.Run(name, func(t *testing.T) {
				parent := t.TempDir()
				dir := filepath.Join(parent, "x")
				err := Extract(bytes.NewReader(MustTar(t, gz, tt.entries...)), dir, tt.lim)
				var re *RejectError
				if !errors.As(err, &re) {
					t.Fatalf("got %v, want a RejectError", err)
				}
				if re.Reason != tt.reason || medperf.ErrorCode(err) != tt.code {
					t.Errorf("reason %q code %q, want %q %q (%v)", re.Reason, medperf.ErrorCode(err), tt.reason, tt.code, err)
				}
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Error("a rejected archive left its directory behind")
				}
				if left, _ := os.ReadDir(parent); len(left) != 0 {
					t.Errorf("files outside the target: %v", left)
				}
			})
		}
	}
}

func TestExtractRejectsGarbage(t *testing.T) {
	for name, data := range map[string][]byte{
		"broken gzip": {0x1f, 0x8b, 0, 1, 2},
		"not a tar":   bytes.Repeat([]byte("x"), 1024),
		"truncated":   MustTar(t, false, file("a", "hello world"))[:518],
	} {
		t.Run(name+" is rejected", func(t *testing.T) {
			err := Extract(bytes.NewReader(data), filepath.Join(t.TempDir(), "x"), DefaultLimits)
			var re *RejectError
			if !errors.As(err, &re) || re.Reason != ReasonMalformed {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func TestExtractRefusesAnExistingDirectory(t *testing.T) {
	err := Extract(bytes.NewReader(MustTar(t, false, file("a", "1"))), t.TempDir(), DefaultLimits)
	if medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("got %v", err)
	}
}
