package leaderboard

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// numbersSeeds are metrics objects numbers must read as encoding/json
// does: plain ones (the fast path) and every kind the fast path leaves to
// the general decoder.
var numbersSeeds = []string{
	`{}`, ` { } `, `{"dice": 0.5, "n_cases": 12}`, `{"a":1,"b":-0,"c":1e3,"d":-1.5E-2,"e":0.0}`,
	`{"dice": null, "x": "high", "t": true, "f": false}`, `{"big": 1e400, "small": -1e400}`,
	`{"a": 1, "a": 2}`, `{"esc\"aped": 1}`, `{"k": "v\\n", "n": 3}`, `{"nested": {"a": 1}, "n": 2}`, `{"arr": [1, 2]}`,
	`{"a": 01}`, `{"a": 1.}`, `{"a": .5}`, `{"a": 1e}`, `{"a": +1}`, `{"a": 1,}`, `{"a" 1}`, `{"a": 1} x`, `[1]`, `"x"`, ``,
	`{"a": nul}`, `{"a": 1}` + "\n", "{\"\xff\": 1}", "{\"a\": \"\x01\"}", `{"é": 2}`, `{"a":-}`, `{"a": 1 "b": 2}`,
	`null`, `{"a": 1e5, "b": 123456789012345678901234567890}`,
}

func TestNumbersFastPathMatchesTheDecoder(t *testing.T) {
	check := func(raw string) {
		t.Helper()
		if got, want := numbers([]byte(raw)), decodeNumbers([]byte(raw)); !reflect.DeepEqual(got, want) {
			t.Fatalf("numbers(%q) = %v, want %v", raw, got, want)
		}
	}
	for _, s := range numbersSeeds {
		check(s)
	}
	var many strings.Builder
	many.WriteString("{")
	for i := range 140 {
		fmt.Fprintf(&many, `"k%03d": %d,`, 139-i, i)
	}
	many.WriteString(`"z": 1}`)
	check(many.String()) // more keys than MaxResultMetrics: the first in sorted order
	if _, ok := flatNumbers([]byte(`{"dice": 0.5, "n_cases": 12}`)); !ok {
		t.Fatal("a plain object does not take the fast path")
	}
	rng := rand.New(rand.NewPCG(1, 1))
	parts := []string{`{`, `}`, `"a"`, `"b"`, `:`, `,`, ` `, `1`, `-2.5e1`, `null`, `"s"`, `[`, `]`, `0`, `e`, `.`, `\`, `true`}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		check(b.String())
	}
}

func FuzzNumbers(f *testing.F) {
	for _, s := range numbersSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := numbers(raw), decodeNumbers(raw); !reflect.DeepEqual(got, want) {
			t.Fatalf("numbers(%q) = %v, want %v", raw, got, want)
		}
	})
}
