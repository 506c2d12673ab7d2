package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestNumberHasNoFloatNoise guards friction 14 of issue 13 for tables and
// views.
func TestNumberHasNoFloatNoise(t *testing.T) {
	tests := map[float64]string{0.40834650000000006: "0.4083465", 0.1 + 0.2: "0.3", 12345678: "12345678", 3: "3", 1e-7: "1e-07"}
	for in, want := range tests {
		if got := number(in); got != want {
			t.Errorf("number(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestTableCellsStayOnTheirRow guards friction 14: a multi-line cell (a
// local result's metrics) never breaks the table.
func TestTableCellsStayOnTheirRow(t *testing.T) {
	var b bytes.Buffer
	err := writeTable(&b, table{header: []string{"KEY", "RESULTS"}, rows: [][]string{{"b1-m2-d3", "{\n  \"auc\": 0.5,\n\t\"n\": 3\n}"}, {"b1-m3-d3", "{}"}}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], `{ "auc": 0.5, "n": 3 }`) {
		t.Fatalf("table has %d lines:\n%s", len(lines), b.String())
	}
	if got := compactJSON([]byte("{\n  \"auc\": 0.5\n}")); got != `{"auc":0.5}` {
		t.Fatalf("compactJSON = %q", got)
	}
}
