package sqldb_test

import (
	"encoding/json"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

// TestSubmissionsWithInvalidUTF8AreRefused sends JSON fields holding bytes
// that are not UTF-8 (encoding/json passes them through in a raw message):
// PostgreSQL refused them in its text columns, a 500, and SQLite stored
// them. Both refuse them now, as invalid input, and store nothing.
func TestSubmissionsWithInvalidUTF8AreRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
		for field, set := range map[string]func(in *medperf.ResultInput){
			"user_metadata": func(in *medperf.ResultInput) { in.UserMetadata = json.RawMessage("{\"note\":\"\xff\"}") },
			"metadata":      func(in *medperf.ResultInput) { in.Metadata = json.RawMessage("{\"note\":\"\xc3\"}") },
			"results":       func(in *medperf.ResultInput) { in.Metrics = json.RawMessage("{\"dice\":0.5,\"\xff\":1}") },
		} {
			in := submission(w, w.ReferenceModel.ID, "utf8-"+field)
			set(&in)
			_, _, err := w.DataOwner.SubmitResult(ctx, in)
			wantCode(t, err, medperf.CodeInvalid)
			var fe *medperf.Error
			if e, ok := err.(*medperf.Error); ok {
				fe = e
			}
			if fe == nil || fe.Field != field {
				t.Errorf("%s: %v names another field", field, err)
			}
		}
		l, err := w.Admin.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID})
		if err != nil || len(l.Items) != 0 {
			t.Errorf("results stored: %v, %v", l, err)
		}
	})
}
