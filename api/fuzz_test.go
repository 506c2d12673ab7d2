package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

// fuzzHeapCap bounds the live heap after any one request: the server's
// limits (1 MiB bodies, 256 KiB and 32 levels per stored document) keep a
// request's cost far below it.
const fuzzHeapCap = 256 << 20

// bodyRoutes returns every route that decodes a JSON body (POST and
// PATCH), with its path params filled from w, so that the fuzzer reaches
// past routing and authorization into decoding and validation.
func bodyRoutes(w *medperftest.World) []api.Route {
	var out []api.Route
	for _, r := range api.Routes() {
		if r.Method != "POST" && r.Method != "PATCH" {
			continue
		}
		id := w.Benchmark.ID
		switch {
		case strings.HasPrefix(r.Path, "/containers"):
			id = w.Model.ID
		case strings.HasPrefix(r.Path, "/datasets"):
			id = w.Dataset.ID
		case strings.HasPrefix(r.Path, "/users"), strings.HasPrefix(r.Path, "/results"):
			id = 1
		}
		component := w.Dataset.ID
		if strings.Contains(r.Path, "/models") {
			component = w.Model.ID
		}
		path := strings.ReplaceAll(r.Path, "{id}", fmt.Sprint(id))
		path = strings.ReplaceAll(path, "{component}", fmt.Sprint(component))
		out = append(out, api.Route{Method: r.Method, Path: path})
	}
	return out
}

// FuzzJSONRoutes sends arbitrary bodies, as the admin (who may do
// everything, so every rule past authorization is reached), to every API
// route that decodes JSON, on a real server over SQLite. No body may give a
// 5xx, and the live heap stays under fuzzHeapCap after each.
func FuzzJSONRoutes(f *testing.F) {
	ts := medperftest.NewServer(f)
	w := ts.World(f)
	routes := bodyRoutes(w)
	if len(routes) < 10 {
		f.Fatalf("only %d JSON routes found", len(routes))
	}
	for i, seed := range []string{
		`{}`, `{"name":"x"}`, `[]`, `null`, `{"name":"a\u0000"}`,
		`{"config":{"container_type":"DockerImage","image":"x","tasks":{"infer":{}}},"name":"n","image_hash":"sha256:` + strings.Repeat("a", 64) + `"}`,
		`{"metadata":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40) + `}`,
		`{"results":{"dice":1e308},"benchmark":1,"model":1,"dataset":1}`,
		`{"component":1,"metadata":{"x":[1,2,3]}}`, `{"approval_status":"APPROVED","priority":-1}`,
		`{"email":"fuzz@example.org","name":"f"}`, `{"finalized":false}`, `{"state":"OPERATION"}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	var ms runtime.MemStats
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		r := routes[int(pick)%len(routes)]
		req, err := http.NewRequest(r.Method, ts.URL()+api.Prefix+r.Path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ts.Admin.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: status %d: %s", r.Method, r.Path, body, resp.StatusCode, answer)
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > fuzzHeapCap {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > fuzzHeapCap {
				t.Fatalf("%s %s with a %d-byte body: live heap %d MiB, cap %d MiB", r.Method, r.Path, len(body), ms.HeapAlloc>>20, fuzzHeapCap>>20)
			}
		}
	})
}
