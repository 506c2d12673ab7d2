package site

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// plantLink makes link (inside the prepared data) point at target.
func plantLink(tb testing.TB, target, link string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		tb.Fatal(err)
	}
}

// TestFinding13PreparedDataLinksOut: a preparator made data/leak ->
// /etc/shadow and the CLI hashed the host file. Links out of the dataset's
// folder are now refused, named by their path inside it.
func TestFinding13PreparedDataLinksOut(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(secret, []byte("root:x:"), 0o600)
	for _, c := range []struct {
		name   string
		link   string // relative to the prepared folder
		target string
		code   medperf.Code
	}{
		{"a link to a host file is refused", "data/leak", secret, medperf.CodeInvalid},
		{"a relative link climbing out is refused", "labels/up", "../../../../../../../../../.." + secret, medperf.CodeInvalid},
		{"a link to a host folder is refused", "data/etc", filepath.Dir(secret), medperf.CodeInvalid},
		{"a link inside the dataset is followed", "data/same", "../labels/y.txt", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Prepared{Dir: filepath.Join(t.TempDir(), "prepared")}
			MustWrite(t, filepath.Join(p.Data(), "x.txt"), "x")
			MustWrite(t, filepath.Join(p.Labels(), "y.txt"), "y")
			plantLink(t, c.target, filepath.Join(p.Dir, c.link))
			_, err := Hasher{Within: p.Dir}.Hash(context.Background(), p.Data(), p.Labels())
			if medperf.ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
				t.Fatalf("error %v, want code %q", err, c.code)
			}
			if err != nil {
				if !strings.Contains(err.Error(), c.link) || strings.Contains(err.Error(), p.Dir) {
					t.Errorf("error %q must name %s relative to the dataset only", err, c.link)
				}
			}
		})
	}
	t.Run("a statistics file linking out is refused", func(t *testing.T) {
		p := Prepared{Dir: t.TempDir()}
		yml := filepath.Join(t.TempDir(), "profiles.yaml")
		MustWrite(t, yml, "token: secret\n")
		plantLink(t, yml, p.Statistics())
		if _, err := yamlFileAsJSON(p.Statistics(), "the statistics"); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want CodeInvalid", err)
		}
	})
	t.Run("set-operational refuses a dataset whose preparator planted a link", func(t *testing.T) {
		tw := MustTestWorld(t)
		ctx := context.Background()
		d, err := tw.do.SubmitDataset(ctx, DatasetSubmission{BenchmarkID: tw.benchmark.ID, DataPath: tw.rawData, LabelsPath: tw.rawLabels, Name: "d", Location: "Hospital"})
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.do.Prepare(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		plantLink(t, secret, filepath.Join(tw.do.prepared(d.ID).Data(), "leak"))
		_, err = tw.do.SetOperational(ctx, d.ID)
		if medperf.ErrorCode(err) != medperf.CodeInvalid || !strings.Contains(err.Error(), filepath.Join("data", "leak")) {
			t.Fatalf("SetOperational: %v, want CodeInvalid naming data/leak", err)
		}
		got, err := tw.w.DataOwner.GetDataset(ctx, d.ID)
		if err != nil || got.State == medperf.StateOperation {
			t.Fatalf("dataset state %v (%v): nothing must change", got, err)
		}
	})
}

// MustWrite writes content to file, creating its folder.
func MustWrite(tb testing.TB, file, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}
