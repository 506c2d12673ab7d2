package api_test

import (
	"fmt"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// onBothDatabases runs fn on a test server over SQLite and one over
// PostgreSQL (skipped unless MEDPERF_TEST_POSTGRES_DSN is set, failed when
// MEDPERF_TEST_REQUIRE names postgres).
func onBothDatabases(t *testing.T, fn func(t *testing.T, ts *medperftest.TestServer)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, medperftest.NewServer(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, medperftest.NewServer(t, medperftest.WithPostgres(t))) })
}

// TestFinding9NULInTextIsRefused: a NUL character in any string of a body
// is a 400 naming the field on both databases (it was a 500 on PostgreSQL
// and stored on SQLite), and nothing is written.
func TestFinding9NULInTextIsRefused(t *testing.T) {
	onBothDatabases(t, func(t *testing.T, ts *medperftest.TestServer) {
		w := ts.World(t)
		base := ts.URL() + "/api/v1"
		c := medperftest.ContainerInput("c", medperf.StateDevelopment, medperf.TaskInfer)
		tests := []struct {
			name, method, path, token, body, field string
		}{
			{"container name", "POST", "/containers", w.ModelOwner.Token,
				fmt.Sprintf(`{"name":"a\u0000b","config":%s,"image_hash":%q}`, c.Config, c.ImageHash), "name"},
			{"a key inside metadata", "POST", "/containers", w.ModelOwner.Token,
				fmt.Sprintf(`{"name":"x","config":%s,"image_hash":%q,"metadata":{"k\u0000":1}}`, c.Config, c.ImageHash), "metadata.k\\0"},
			{"a value deep in the config", "POST", "/containers", w.ModelOwner.Token,
				fmt.Sprintf(`{"name":"x","config":{"tasks":{"infer":{"entrypoint":"a\u0000"}}},"image_hash":%q}`, c.ImageHash), "config.tasks.infer.entrypoint"},
			{"token name", "POST", "/me/tokens", w.Stranger.Token, `{"name":"t\u0000"}`, "name"},
			{"user name", "POST", "/users", ts.Admin.Token, `{"email":"nul@example.org","name":"n\u0000"}`, "name"},
			{"dataset description", "PATCH", fmt.Sprintf("/datasets/%d", w.Dataset.ID), w.DataOwner.Token, `{"description":"\u0000"}`, "description"},
			{"result idempotency key", "POST", "/results", w.DataOwner.Token,
				fmt.Sprintf(`{"benchmark":%d,"model":%d,"dataset":%d,"results":{"dice":1},"idempotency_key":"\u0000"}`,
					w.Benchmark.ID, w.ReferenceModel.ID, w.Dataset.ID), "idempotency_key"},
			{"association metadata", "POST", fmt.Sprintf("/benchmarks/%d/models", w.Benchmark.ID), w.ModelOwner.Token,
				fmt.Sprintf(`{"component":%d,"metadata":{"note":"\u0000"}}`, w.Model.ID), "metadata.note"},
		}
		before := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(ts.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := call(t, tt.method, base+tt.path, tt.token, []byte(tt.body))
				if r.status != 400 || r.err.Code != medperf.CodeInvalid || r.err.Field != tt.field {
					t.Fatalf("got %d %+v, want 400 invalid %s", r.status, r.err, tt.field)
				}
			})
		}
		after := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(ts.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
		if after != before {
			t.Errorf("the audit log moved from %d to %d events: a refused request wrote", before, after)
		}
	})
}
