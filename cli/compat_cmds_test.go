package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
)

// lsJSON runs a list command with -o json and returns the ids it printed.
func lsJSON(t *testing.T, args ...string) []int64 {
	t.Helper()
	code, out, errOut := runCLI(t, append(args, "-o", "json")...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var rows []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func TestListFilters(t *testing.T) {
	w := listWorld(t)
	ctx := context.Background()
	if _, err := w.Admin.UpdateDataset(ctx, w.Dataset.ID, medperf.DatasetPatch{IsValid: medperftest.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	owner := strconv.FormatInt(w.ModelOwner.ID, 10)
	tests := []struct {
		name string
		args []string
		want []int64
	}{
		{"--name of a benchmark (server-side)", []string{"benchmark", "ls", "--name", w.Benchmark.Name}, []int64{w.Benchmark.ID}},
		{"--name of a container (server-side)", []string{"container", "ls", "--name", w.Model.Name}, []int64{w.Model.ID}},
		{"--name of a dataset (client-side)", []string{"dataset", "ls", "--name", w.Dataset.Name}, []int64{w.Dataset.ID}},
		{"--owner", []string{"model", "ls", "--owner", owner}, []int64{w.Model.ID}},
		{"--state", []string{"dataset", "ls", "--state", "development"}, []int64{}},
		{"--name that nothing has", []string{"dataset", "ls", "--name", "no-such"}, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lsJSON(t, tt.args...)
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("%v = %v, want %v", tt.args, got, tt.want)
			}
		})
	}
	t.Run("--valid leaves out the invalid dataset (client-side), over every page, cut at --limit", func(t *testing.T) {
		all := lsJSON(t, "dataset", "ls")
		valid := lsJSON(t, "dataset", "ls", "--valid")
		if len(valid) != len(all)-1 {
			t.Fatalf("--valid = %v of %v; want all but %d", valid, all, w.Dataset.ID)
		}
		for _, id := range valid {
			if id == w.Dataset.ID {
				t.Fatalf("--valid lists the invalid dataset %d", id)
			}
		}
		code, out, errOut := runCLI(t, "dataset", "ls", "--valid", "--limit", "1", "-o", "json")
		if code != 0 || strings.Count(out, `"id"`) != 1 || !strings.Contains(errOut, "showing 1 of "+strconv.Itoa(len(valid))) {
			t.Errorf("exit %d, out %s, stderr %q", code, out, errOut)
		}
	})
	for _, bad := range [][]string{{"dataset", "ls", "--state", "bogus"}, {"model", "ls", "--mine", "--owner", owner}, {"benchmark", "ls", "--owner", "-3"}} {
		t.Run(strings.Join(bad, " ")+" is a usage error", func(t *testing.T) {
			if code, _, errOut := runCLI(t, bad...); code != exitCodes[medperf.CodeInvalid] {
				t.Errorf("exit %d, want %d: %s", code, exitCodes[medperf.CodeInvalid], errOut)
			}
		})
	}
}

func TestStorageMove(t *testing.T) {
	ts, home := loggedInAsAdmin(t)
	old := site.StorageDir(home, ts.URL())
	if err := os.MkdirAll(filepath.Join(old, "results"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "results", "r.json"), []byte(`{"a":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("a target inside the storage is refused and nothing moves", func(t *testing.T) {
		code, _, errOut := runCLI(t, "storage", "move", filepath.Join(old, "inside"))
		if code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if _, err := os.Stat(filepath.Join(old, "results", "r.json")); err != nil {
			t.Fatal(err)
		}
	})
	dst := filepath.Join(t.TempDir(), "elsewhere")
	code, out, errOut := runCLI(t, "storage", "move", "-t", dst, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m storageMove
	if err := json.Unmarshal([]byte(out), &m); err != nil || m.Files != 1 || m.To != dst {
		t.Fatalf("%s: %+v %v", out, m, err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "results", "r.json")); err != nil || string(b) != `{"a":1}` {
		t.Fatalf("moved file: %q %v", b, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the old storage is still there: %v", err)
	}
	ps, err := config.LoadProfiles(home)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := ps.Get(ts.URL()); p.Storage != dst {
		t.Errorf("profile storage = %q, want %q", p.Storage, dst)
	}
	code, out, _ = runCLI(t, "storage", "ls", "-o", "json")
	if code != 0 || !strings.Contains(out, dst) {
		t.Errorf("storage ls after the move: exit %d, %s; want paths under %s", code, out, dst)
	}
	t.Run("logging in again keeps the moved storage", func(t *testing.T) {
		if code, _, errOut := runCLI(t, "auth", "login", "--server", ts.URL(), "--token", ts.Admin.Token); code != 0 {
			t.Fatal(errOut)
		}
		ps, _ := config.LoadProfiles(home)
		if p, _ := ps.Get(ts.URL()); p.Storage != dst {
			t.Errorf("profile storage = %q after login, want %q", p.Storage, dst)
		}
	})
}
