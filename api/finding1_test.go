package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestFinding1DeepJSONIsRefused: through the API, a stored document nested
// past medperf.MaxJSONDepth is a 400 naming its field, and a body nested
// 10,000 deep (the review's attack) is refused by the decoder's scan without
// decoding it, naming where it went too deep.
func TestFinding1DeepJSONIsRefused(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	c := medperftest.ContainerInput("deep", medperf.StateDevelopment, medperf.TaskInfer)
	body := func(meta string) []byte {
		return []byte(fmt.Sprintf(`{"name":%q,"config":%s,"image_hash":%q,"user_metadata":%s}`, c.Name, c.Config, c.ImageHash, meta))
	}
	nest := func(depth int) string {
		return `{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	for _, tt := range []struct {
		name, meta, field string
	}{
		{"one level past the limit", nest(medperf.MaxJSONDepth + 1), "user_metadata"},
		{"10,000 levels", nest(10000), "user_metadata.a"},
		{"over 256 KiB", `{"a":"` + strings.Repeat("x", medperf.MaxJSONBytes) + `"}`, "user_metadata"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "POST", ts.URL()+"/api/v1/containers", w.ModelOwner.Token, body(tt.meta))
			if r.status != 400 || r.err.Code != medperf.CodeInvalid || r.err.Field != tt.field {
				t.Fatalf("got %d %+v, want 400 invalid %s", r.status, r.err, tt.field)
			}
		})
	}
	r := call(t, "POST", ts.URL()+"/api/v1/containers", w.ModelOwner.Token, body(nest(medperf.MaxJSONDepth)))
	if r.status != 201 {
		t.Fatalf("a document at the depth limit: %d %+v", r.status, r.err)
	}
	var got medperf.Container
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.UserMetadata) == 0 {
		t.Fatalf("stored %s (%v)", r.body, err)
	}
}
