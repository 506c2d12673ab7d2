package web_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // to store what the API refuses, straight into the test server's file

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/medperftest"
)

// nested returns a JSON object nested depth deep: {"a":{"a":...}}.
func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// MustStoreRaw writes value into a JSON column of one row of the test
// server's SQLite file, past the API's checks.
func MustStoreRaw(tb testing.TB, ts *medperftest.TestServer, table, column string, id int64, value string) {
	tb.Helper()
	db, err := sql.Open("sqlite", filepath.Join(ts.DataDir, config.DefaultDBFile)+"?_pragma=busy_timeout(20000)")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`UPDATE %s SET %s = ? WHERE id = ?`, table, column), value, id); err != nil {
		tb.Fatal(err)
	}
}

// TestIssue12Finding1DeepJSONRendersABoundedPage: a config nested 10,000
// deep made a 399 MB container page (json.Indent grows with depth²). Now
// every page that shows stored JSON shows a bounded preview and links to
// the stored bytes.
func TestIssue12Finding1DeepJSONRendersABoundedPage(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	res, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
		DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)})
	if err != nil {
		t.Fatal(err)
	}
	deep := nested(10000)
	wide := `{"k":"` + strings.Repeat("x", 4<<20) + `"}`
	cases := []struct {
		name, table, column string
		id                  int64
		page, download      string
		value               string
	}{
		{"container config", "containers", "config", w.Model.ID, fmt.Sprintf("/containers/%d", w.Model.ID), fmt.Sprintf("/containers/%d/json/config", w.Model.ID), deep},
		{"container parameters", "containers", "parameters", w.Model.ID, fmt.Sprintf("/containers/%d", w.Model.ID), fmt.Sprintf("/containers/%d/json/parameters", w.Model.ID), wide},
		{"dataset statistics", "datasets", "generated_metadata", w.Dataset.ID, fmt.Sprintf("/datasets/%d", w.Dataset.ID), fmt.Sprintf("/datasets/%d/json/statistics", w.Dataset.ID), deep},
		{"dataset report", "datasets", "report", w.Dataset.ID, fmt.Sprintf("/datasets/%d", w.Dataset.ID), fmt.Sprintf("/datasets/%d/json/report", w.Dataset.ID), wide},
		{"result metrics", "results", "metrics", res.ID, fmt.Sprintf("/results/%d", res.ID), fmt.Sprintf("/results/%d/json/metrics", res.ID), deep},
	}
	owner := map[string]medperftest.User{"containers": w.ModelOwner, "datasets": w.DataOwner, "results": w.DataOwner}
	for _, c := range cases {
		t.Run(c.name+" renders a bounded page and downloads the stored bytes", func(t *testing.T) {
			MustStoreRaw(t, ts, c.table, c.column, c.id, c.value)
			b, _ := signedIn(t, ts, ptrUser(owner[c.table]))
			p := b.get(c.page)
			if p.status != http.StatusOK {
				t.Fatalf("page status %d:\n%.2000s", p.status, p.body)
			}
			if len(p.body) > 200<<10 {
				t.Errorf("the page is %d bytes for a stored value of %d bytes, want under 200 KiB", len(p.body), len(c.value))
			}
			if !strings.Contains(p.body, `href="`+c.download+`"`) || !strings.Contains(p.body, "Download the full JSON") {
				t.Errorf("the page has no link to download the full JSON at %s", c.download)
			}
			d := b.get(c.download)
			if d.status != http.StatusOK || d.body != c.value {
				t.Fatalf("download: status %d, %d bytes, want the %d stored bytes", d.status, len(d.body), len(c.value))
			}
			if ct := d.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("download Content-Type %q", ct)
			}
			if cd := d.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
				t.Errorf("download Content-Disposition %q", cd)
			}
		})
	}
}

func ptrUser(u medperftest.User) *medperftest.User { return &u }
