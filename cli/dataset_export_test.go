package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// The archive checks themselves are tested in site (TestExportImportDataset);
// these check the commands' usage and exit statuses.
func TestDatasetExportImportCommands(t *testing.T) {
	loggedInAsAdmin(t)
	junk := filepath.Join(t.TempDir(), "junk.tar.gz")
	if err := os.WriteFile(junk, []byte("not an archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"export needs -o", []string{"dataset", "export", "-d", "1"}, medperf.CodeInvalid},
		{"export needs -d", []string{"dataset", "export", "-o", "x.tar.gz"}, medperf.CodeInvalid},
		{"export of a dataset not on this machine", []string{"dataset", "export", "-d", "99", "-o", filepath.Join(t.TempDir(), "x.tar.gz")}, medperf.CodeNotFound},
		{"import needs an archive", []string{"dataset", "import"}, medperf.CodeInvalid},
		{"import of a missing file", []string{"dataset", "import", "-i", filepath.Join(t.TempDir(), "none.tar.gz")}, medperf.CodeInvalid},
		{"import of something else than an archive", []string{"dataset", "import", junk}, medperf.CodeInvalid},
		{"import with both -i and an argument", []string{"dataset", "import", "-i", junk, junk}, medperf.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != exitCodes[tt.code] {
				t.Errorf("exit %d, want %d (%s): %s", code, exitCodes[tt.code], tt.code, errOut)
			}
		})
	}
}
