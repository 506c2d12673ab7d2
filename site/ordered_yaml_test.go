package site

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// TestParametersReachTheContainerAsBlockYAMLInRegisteredOrder: a
// parameters.yaml registered with -p is stored with its keys in order and
// written for the container as MedPerf's yaml.dump writes it, so a cube
// that reads `key: value` lines gets what its owner wrote.
func TestParametersReachTheContainerAsBlockYAMLInRegisteredOrder(t *testing.T) {
	src := "zeta: 1\nalpha: two words\nthreshold: 0.5\nnested:\n  b: true\n  a: [x, 2]\nempty: null\n"
	file := filepath.Join(t.TempDir(), "parameters.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	stored, err := YAMLFileJSON(file, "-p")
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"zeta":1,"alpha":"two words","threshold":0.5,"nested":{"b":true,"a":["x",2]},"empty":null}`
	if string(stored) != wantJSON {
		t.Fatalf("stored %s\nwant   %s", stored, wantJSON)
	}
	out, err := ParametersYAML(stored)
	if err != nil {
		t.Fatal(err)
	}
	want := "zeta: 1\nalpha: two words\nthreshold: 0.5\nnested:\n  b: true\n  a:\n    - x\n    - 2\nempty: null\n"
	if string(out) != want {
		t.Fatalf("parameters.yaml:\n%s\nwant:\n%s", out, want)
	}
}

func TestBadParametersAreRefusedNamingTheFlag(t *testing.T) {
	for _, tt := range []struct{ name, src string }{
		{"a list is not a mapping", "- a\n- b\n"},
		{"a duplicate key", "a: 1\na: 2\n"},
		{"nesting past the limit", func() string {
			s := "v"
			for range maxYAMLDepth + 2 {
				s = "[" + s + "]"
			}
			return "deep: " + s + "\n"
		}()},
		{"broken YAML", "a: [1, 2\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "p.yaml")
			if err := os.WriteFile(file, []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := YAMLFileJSON(file, "-p")
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "-p" {
				t.Fatalf("error %v, want invalid naming -p", err)
			}
		})
	}
	if _, err := ParametersYAML([]byte(`[1]`)); err == nil {
		t.Error("a stored list became a parameters file")
	}
}
