package api_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

func routeSet(rs []api.Route) map[string]bool {
	m := map[string]bool{}
	for _, r := range rs {
		m[r.Method+" "+r.Path] = true
	}
	return m
}

// TestOpenAPIMatchesRoutes fails when a route is missing from the OpenAPI
// document, or the document describes a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	routes := routeSet(api.Routes())
	documented := routeSet(api.Documented())
	for r := range routes {
		if !documented[r] {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !routes[r] {
			t.Errorf("the OpenAPI document describes %s, which is not a route", r)
		}
	}
}

// TestServedOpenAPIDocument reads the document the server serves and checks
// its paths against the routes, and that every $ref resolves.
func TestServedOpenAPIDocument(t *testing.T) {
	ts := medperftest.NewServer(t)
	resp := call(t, "GET", ts.URL()+"/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if resp.status != 200 || json.Unmarshal(resp.body, &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("status %d, openapi %q", resp.status, doc.OpenAPI)
	}
	var served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			served = append(served, strings.ToUpper(method)+" "+strings.TrimPrefix(path, api.Prefix))
		}
	}
	var want []string
	for r := range routeSet(api.Routes()) {
		want = append(want, r)
	}
	sort.Strings(served)
	sort.Strings(want)
	if strings.Join(served, "\n") != strings.Join(want, "\n") {
		t.Errorf("served paths:\n%s\nroutes:\n%s", strings.Join(served, "\n"), strings.Join(want, "\n"))
	}
	for _, ref := range findRefs(resp.body) {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("$ref %s does not resolve", ref)
		}
	}
	if _, ok := doc.Components.Schemas["Benchmark"]; !ok {
		t.Error("no Benchmark schema")
	}
}

func findRefs(b []byte) []string {
	var out []string
	s := string(b)
	for {
		i := strings.Index(s, `"$ref":"`)
		if i < 0 {
			return out
		}
		s = s[i+len(`"$ref":"`):]
		out = append(out, s[:strings.Index(s, `"`)])
	}
}
