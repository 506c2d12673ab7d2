package site

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

func TestJournal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "j", "journal.json")
	j, err := OpenJournal(file)
	if err != nil || len(j.Steps) != 0 {
		t.Fatalf("a missing journal opens empty: %+v %v", j, err)
	}
	if err := j.CheckData("h1", "start over"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"a", "b", "c"} {
		if err := j.Finish(s); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("finished steps survive a reopen", func(t *testing.T) {
		k, err := OpenJournal(file)
		if err != nil || !k.Done("a") || !k.Done("c") || k.Done("d") || k.DataHash != "h1" {
			t.Fatalf("%+v %v", k, err)
		}
	})
	t.Run("finishing a step twice records it once", func(t *testing.T) {
		j.Finish("a")
		k, _ := OpenJournal(file)
		if len(k.Steps) != 3 {
			t.Fatalf("%+v", k.Steps)
		}
	})
	t.Run("no temporary file is left behind", func(t *testing.T) {
		entries, _ := os.ReadDir(filepath.Dir(file))
		if len(entries) != 1 {
			t.Fatalf("%v", entries)
		}
	})
	t.Run("forgetting a step forgets the steps after it", func(t *testing.T) {
		if err := j.Forget("b"); err != nil {
			t.Fatal(err)
		}
		k, _ := OpenJournal(file)
		if !k.Done("a") || k.Done("b") || k.Done("c") {
			t.Fatalf("%+v", k.Steps)
		}
	})
	t.Run("steps computed on other data are refused", func(t *testing.T) {
		err := j.CheckData("h2", "start over")
		if medperf.ErrorCode(err) != medperf.CodeConflict || !errors.Is(err, ErrDataChanged) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a reset adopts the new data", func(t *testing.T) {
		if err := j.Reset("h2"); err != nil {
			t.Fatal(err)
		}
		if err := j.CheckData("h2", ""); err != nil || j.Done("a") {
			t.Fatalf("%v %+v", err, j.Steps)
		}
	})
	t.Run("a damaged journal is an error, not an empty journal", func(t *testing.T) {
		os.WriteFile(file, []byte("{not json"), 0o600)
		if _, err := OpenJournal(file); medperf.ErrorCode(err) != medperf.CodeInternal {
			t.Fatalf("%v", err)
		}
	})
}
