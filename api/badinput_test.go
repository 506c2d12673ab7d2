package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestBadInput sends malformed, mistyped, unknown, oversized, unauthenticated
// and hostile requests: each gets a 4xx with the right code and the field at
// fault, and the audit log (every change writes to it) does not move.
func TestBadInput(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	revoked := w.NewUser(t, "revoked")
	tok := medperftest.Must[*medperf.NewToken](t)(revoked.CreateToken(ctx, "gone"))
	if err := revoked.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	valid := medperftest.ContainerInput("c", medperf.StateDevelopment, medperf.TaskInfer)
	validJSON, _ := json.Marshal(valid)
	with := func(field string, v any) []byte {
		var m map[string]any
		json.Unmarshal(validJSON, &m)
		m[field] = v
		b, _ := json.Marshal(m)
		return b
	}
	user := w.Stranger.Token
	bench := fmt.Sprintf("/benchmarks/%d", w.Benchmark.ID)
	tests := []struct {
		name, method, path, token string
		body                      any
		status                    int
		code                      medperf.Code
		field                     string
	}{
		{"malformed JSON", "POST", "/containers", user, []byte(`{"name": `), 400, medperf.CodeInvalid, "body"},
		{"syntax error", "POST", "/containers", user, []byte(`{"name" "x"}`), 400, medperf.CodeInvalid, "body"},
		{"empty body", "POST", "/containers", user, []byte(``), 400, medperf.CodeInvalid, "body"},
		{"an array instead of an object", "POST", "/containers", user, []byte(`[1,2]`), 400, medperf.CodeInvalid, "body"},
		{"two JSON values", "POST", "/containers", user, []byte(string(validJSON) + `{}`), 400, medperf.CodeInvalid, "body"},
		{"wrong type: number for a string", "POST", "/containers", user, with("name", 5), 400, medperf.CodeInvalid, "name"},
		{"wrong type: string for an id", "POST", "/benchmarks", user, []byte(`{"data_preparation_mlcube": "one"}`), 400, medperf.CodeInvalid, "data_preparation_mlcube"},
		{"wrong type: string for a bool", "PATCH", bench, w.BenchmarkOwner.Token, []byte(`{"is_valid": "yes"}`), 400, medperf.CodeInvalid, "is_valid"},
		{"unknown field", "POST", "/containers", user, with("nmae", "x"), 400, medperf.CodeInvalid, "nmae"},
		{"an empty patch", "PATCH", bench, w.BenchmarkOwner.Token, []byte(`{}`), 400, medperf.CodeInvalid, "body"},
		{"a patch of nulls", "PATCH", bench, w.BenchmarkOwner.Token, []byte(`{"name": null}`), 400, medperf.CodeInvalid, "body"},
		{"a number too large for an id", "POST", "/results", user, []byte(`{"benchmark": 1e400}`), 400, medperf.CodeInvalid, "benchmark"},
		{"a fraction for an id", "POST", "/results", user, []byte(`{"benchmark": 1.5}`), 400, medperf.CodeInvalid, "benchmark"},
		{"an object where a string belongs", "POST", "/containers", user, with("image_hash", map[string]int{"a": 1}), 400, medperf.CodeInvalid, "image_hash"},
		{"metadata that is not an object", "POST", "/containers", user, with("metadata", "text"), 400, medperf.CodeInvalid, "metadata"},
		{"unknown field in a patch", "PATCH", bench, w.BenchmarkOwner.Token, []byte(`{"owner": 1}`), 400, medperf.CodeInvalid, "owner"},
		{"body over the limit", "POST", "/containers", user, with("user_metadata", map[string]string{"x": strings.Repeat("a", 2<<20)}), 413, medperf.CodeTooLarge, "body"},
		{"wrong content type", "POST", "/containers", user, nil, 400, medperf.CodeInvalid, "Content-Type"},
		{"missing field", "POST", "/containers", user, with("image_hash", ""), 400, medperf.CodeInvalid, "image_hash"},
		{"unknown state", "POST", "/containers", user, with("state", "PRODUCTION"), 400, medperf.CodeInvalid, "state"},
		{"SQL in a name", "POST", "/containers", user, with("name", "x'; DROP TABLE containers; --"), 400, medperf.CodeInvalid, "name"},
		{"SQL in an email", "POST", "/users", w.Admin.Token, map[string]any{"email": "a@b.c' OR '1'='1"}, 400, medperf.CodeInvalid, "email"},
		{"SQL in a path id", "GET", "/benchmarks/1%20OR%201=1", user, nil, 400, medperf.CodeInvalid, "id"},
		{"SQL in a query id", "GET", "/containers?owner=1%20OR%201=1", user, nil, 400, medperf.CodeInvalid, "owner"},
		{"negative id", "GET", "/benchmarks/-1", user, nil, 400, medperf.CodeInvalid, "id"},
		{"nonexistent id", "GET", "/benchmarks/987654", user, nil, 404, medperf.CodeNotFound, ""},
		{"nonexistent id in a patch", "PATCH", "/datasets/987654", user, []byte(`{"is_valid": true}`), 404, medperf.CodeNotFound, ""},
		{"nonexistent component", "PATCH", bench + "/models/987654", w.BenchmarkOwner.Token, []byte(`{"approval_status": "APPROVED"}`), 404, medperf.CodeNotFound, ""},
		{"unknown enum in a query", "GET", "/benchmarks?approval_status=MAYBE", user, nil, 400, medperf.CodeInvalid, "approval_status"},
		{"unknown query parameter", "GET", "/benchmarks?ownr=1", user, nil, 400, medperf.CodeInvalid, "ownr"},
		{"page over the maximum", "GET", "/benchmarks?limit=100000", user, nil, 400, medperf.CodeInvalid, "limit"},
		{"missing token", "POST", "/containers", "", validJSON, 401, medperf.CodeUnauthorized, ""},
		{"revoked token", "POST", "/containers", tok.Secret, validJSON, 401, medperf.CodeUnauthorized, ""},
		{"garbage token", "GET", "/me", "' OR 1=1 --", nil, 401, medperf.CodeUnauthorized, ""},
		{"unknown route", "GET", "/nothing-here", user, nil, 404, medperf.CodeNotFound, ""},
		{"wrong method", "DELETE", bench, user, nil, 404, medperf.CodeNotFound, ""},
	}
	before := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			got := call(t, tt.method, ts.URL()+"/api/v1"+tt.path, tt.token, tt.body)
			if tt.name == "wrong content type" {
				got = callWithType(t, ts.URL()+"/api/v1"+tt.path, tt.token, "text/plain", validJSON)
			}
			if got.status != tt.status || (tt.code != "" && (got.err.Code != tt.code || got.err.Field != tt.field)) {
				t.Fatalf("status %d, code %q, field %q (%s); want %d, %q, %q", got.status, got.err.Code, got.err.Field, got.err.Message, tt.status, tt.code, tt.field)
			}
			if tt.code != "" && got.err.Message == "" {
				t.Fatal("no message")
			}
			if tt.field != "" && !strings.HasPrefix(got.err.Message, tt.field+": ") {
				t.Fatalf("message %q does not name the field %q", got.err.Message, tt.field)
			}
		})
	}
	t.Run("a SQL-looking filter value matches nothing and harms nothing", func(t *testing.T) {
		got := call(t, "GET", ts.URL()+"/api/v1/benchmarks?name=x%27%20OR%20%271%27=%271", user, nil)
		if got.status != 200 || !strings.Contains(string(got.body), `"total":0`) {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	t.Run("nothing changed", func(t *testing.T) {
		after := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{})).Total
		if after != before {
			t.Fatalf("%d audit events before, %d after", before, after)
		}
		l := medperftest.Must[*medperf.List[medperf.Container]](t)(w.Admin.ListContainers(ctx, medperf.ContainerFilter{}))
		if l.Total != 4 {
			t.Fatalf("%d containers", l.Total)
		}
	})
}
