package site

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func writeYAML(tb testing.TB, content string) string {
	tb.Helper()
	f := filepath.Join(tb.TempDir(), "results.yaml")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

func manyKeys(n int, indent string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk%d: 1\n", indent, i)
	}
	return b.String()
}

// TestFinding7YAMLLimits: results.yaml and statistics.yaml are written by
// untrusted containers; a file with 100,000 keys took 15 s to decode
// (quadratic duplicate-key check). Size and keys are now checked first.
// That they are checked before the decoder runs is seen without a clock
// (a time limit here failed a loaded CI machine: parsing 1 MB under -race
// takes seconds): the 100,000-key files repeat their first key at the end,
// which the decoder would refuse as invalid after its quadratic check
// (45 s), where the count refuses them as too large. Each case also says
// which check refused it (the nested keys once took 100,000 lines, past
// 1 MiB, so the size cap refused them before their keys were counted).
func TestFinding7YAMLLimits(t *testing.T) {
	aliases := "a: &a {" + strings.TrimSuffix(strings.ReplaceAll(manyKeys(3000, ""), "\n", ", "), ", ") + "}\n" +
		"b: [*a, *a, *a, *a]\n"
	for _, c := range []struct {
		name    string
		content string
		code    medperf.Code
		says    string
	}{
		{"100k keys are refused", manyKeys(100_000, "") + "k0: 2\n", medperf.CodeTooLarge, "keys"},
		{"50k nested keys are refused", "outer:\n" + manyKeys(50_000, "  ") + "  k0: 2\n", medperf.CodeTooLarge, "keys"},
		{"keys reached through aliases count", aliases, medperf.CodeTooLarge, "keys"},
		{"over 1 MiB is refused", "k: \"" + strings.Repeat("x", MaxYAMLFileBytes) + "\"\n", medperf.CodeTooLarge, "larger than"},
		{"not a mapping is invalid", "- 1\n- 2\n", medperf.CodeInvalid, "not a YAML mapping"},
		{"broken YAML is invalid", "a: [\n", medperf.CodeInvalid, "not a YAML mapping"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := writeYAML(t, c.content)
			_, err := yamlFileAsJSON(f, "the evaluator's results")
			if medperf.ErrorCode(err) != c.code {
				t.Fatalf("error %v (code %q), want code %q", err, medperf.ErrorCode(err), c.code)
			}
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not say %q", err, c.says)
			}
			if !strings.Contains(err.Error(), "results.yaml") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	t.Run("within the limits is read", func(t *testing.T) {
		f := writeYAML(t, "outer:\n"+manyKeys(MaxYAMLKeys-1, "  "))
		got, err := yamlFileAsJSON(f, "the evaluator's results")
		if err != nil || !strings.Contains(string(got), `"k9998":1`) {
			t.Fatalf("got %.80s, %v", got, err)
		}
	})
	t.Run("a missing file is invalid", func(t *testing.T) {
		_, err := yamlFileAsJSON(filepath.Join(t.TempDir(), "statistics.yaml"), "the statistics")
		var me *medperf.Error
		if !errors.As(err, &me) || me.Code != medperf.CodeInvalid {
			t.Fatalf("got %v", err)
		}
	})
}
