package leaderboard_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/medperf/medperf/leaderboard"
)

// mustReadCSV parses CSV and fails unless every row has the header's width.
func mustReadCSV(tb testing.TB, data string) [][]string {
	tb.Helper()
	rows, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		tb.Fatalf("output is not CSV: %v\n%s", err, data)
	}
	return rows
}

func TestWriteResultsCSV(t *testing.T) {
	tricky := leaderboard.Entity{ID: 5, Name: `=HYPERLINK("http://evil")`}
	quoted := leaderboard.Entity{ID: 40, Name: `St. "Mary", London`}
	results := append(handMade(),
		result(20, tricky, quoted, map[string]float64{"auc": 0.123456789012, "extra": -1e-9}),
	)
	var buf bytes.Buffer
	if err := leaderboard.WriteResultsCSV(&buf, results); err != nil {
		t.Fatal(err)
	}
	rows := mustReadCSV(t, buf.String())

	t.Run("the header has fixed columns then sorted metric keys", func(t *testing.T) {
		want := []string{"result_id", "benchmark", "model_id", "model", "dataset_id", "dataset", "signed", "auc", "extra", "loss", "n_cases"}
		if !reflect.DeepEqual(rows[0], want) {
			t.Errorf("header %q, want %q", rows[0], want)
		}
	})
	t.Run("rows are sorted by model then dataset", func(t *testing.T) {
		var ids []string
		for _, r := range rows[1:] {
			ids = append(ids, r[0])
		}
		want := []string{"1", "2", "3", "4", "5", "6", "7", "8", "20"}
		if !reflect.DeepEqual(ids, want) {
			t.Errorf("result ids %v, want %v", ids, want)
		}
	})
	t.Run("values round-trip and missing metrics are empty", func(t *testing.T) {
		want := []string{"20", "7", "5", "'" + tricky.Name, "40", quoted.Name, "false", "0.123456789012", "-1e-09", "", ""}
		if got := rows[len(rows)-1]; !reflect.DeepEqual(got, want) {
			t.Errorf("last row %q, want %q", got, want)
		}
		if got := rows[8]; got[10] != "" || got[7] != "0.9" { // gamma-net on hospital-three: no n_cases
			t.Errorf("row %q, want auc 0.9 and an empty n_cases", got)
		}
	})
	t.Run("no results give only the header", func(t *testing.T) {
		var empty bytes.Buffer
		if err := leaderboard.WriteResultsCSV(&empty, nil); err != nil || empty.String() != "result_id,benchmark,model_id,model,dataset_id,dataset,signed\n" {
			t.Errorf("got %q, %v", empty.String(), err)
		}
	})
}

func TestWriteCSV(t *testing.T) {
	lb := MustBuild(t, declared, handMade(), leaderboard.Options{Models: []leaderboard.Entity{modelD}})
	var buf bytes.Buffer
	if err := leaderboard.WriteCSV(&buf, lb); err != nil {
		t.Fatal(err)
	}
	rows := mustReadCSV(t, buf.String())
	wantHeader := []string{
		"metric", "direction", "position", "model_id", "model", "sites", "mean", "weighted_mean", "cases",
		"worst", "worst_dataset_id", "worst_dataset", "mean_rank", "signed_sites",
		"dataset 10: hospital-one", "dataset 20: hospital-two", "dataset 30: hospital-three",
	}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Errorf("header %q, want %q", rows[0], wantHeader)
	}
	if len(rows) != 1+2*4 {
		t.Fatalf("%d rows, want a header and 4 models for each of 2 metrics", len(rows))
	}
	tests := []struct {
		name string
		row  int
		want []string
	}{
		{"the best model of the primary metric comes first", 1,
			[]string{"auc", "higher", "1", "2", "beta-net", "2", "0.875", "0.8625", "400", "0.85", "20", "hospital-two", "1.25", "0", "0.9", "0.85", ""}},
		{"a model without results has empty aggregates", 4,
			[]string{"auc", "higher", "4", "4", "delta-net (no results)", "0", "", "", "0", "", "", "", "", "0", "", "", ""}},
		{"the second metric follows in the same row order", 6,
			[]string{"loss", "lower", "2", "1", "alpha-net", "3", "0.333333333333333", "0.32", "500", "0.5", "30", "hospital-three", "1.83333333333333", "0", "0.2", "0.3", "0.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rows[tt.row]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("row %d = %q\nwant     %q", tt.row, got, tt.want)
			}
		})
	}
}

func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	evil := leaderboard.Entity{ID: 1, Name: "@SUM(A1:A9)"}
	site := leaderboard.Entity{ID: 2, Name: "+cmd"}
	lb := MustBuild(t, declared, []leaderboard.Result{result(1, evil, site, map[string]float64{"auc": 0.5, "loss": -0.5})}, leaderboard.Options{})
	var buf bytes.Buffer
	if err := leaderboard.WriteCSV(&buf, lb); err != nil {
		t.Fatal(err)
	}
	rows := mustReadCSV(t, buf.String())
	if rows[0][14] != "dataset 2: +cmd" || rows[1][4] != "'@SUM(A1:A9)" || rows[1][11] != "'+cmd" {
		t.Errorf("names not neutralised: header %q, row %q", rows[0][14], rows[1])
	}
	if rows[2][6] != "-0.5" {
		t.Errorf("a negative number was altered: %q", rows[2][6])
	}
}

// TestSignedMarks checks that a signed result's values are marked signed in
// the cells, the leaderboard CSV's signed_sites and the results CSV.
func TestSignedMarks(t *testing.T) {
	m, a, b := leaderboard.Entity{ID: 1, Name: "m"}, leaderboard.Entity{ID: 2, Name: "a"}, leaderboard.Entity{ID: 3, Name: "b"}
	signed := result(1, m, a, map[string]float64{"auc": 0.5, "loss": 0.1})
	signed.Signed = true
	results := []leaderboard.Result{signed, result(2, m, b, map[string]float64{"auc": 0.6, "loss": 0.2})}
	lb := MustBuild(t, declared, results, leaderboard.Options{})
	if cells := lb.Boards[0].Cells[0]; !cells[0].Signed || cells[1].Signed {
		t.Fatalf("cells %+v", cells)
	}
	var buf bytes.Buffer
	if err := leaderboard.WriteCSV(&buf, lb); err != nil {
		t.Fatal(err)
	}
	if rows := mustReadCSV(t, buf.String()); rows[0][13] != "signed_sites" || rows[1][13] != "1" {
		t.Fatalf("leaderboard CSV %q", rows[:2])
	}
	buf.Reset()
	if err := leaderboard.WriteResultsCSV(&buf, results); err != nil {
		t.Fatal(err)
	}
	if rows := mustReadCSV(t, buf.String()); rows[1][6] != "true" || rows[2][6] != "false" {
		t.Fatalf("results CSV %q", rows)
	}
}
