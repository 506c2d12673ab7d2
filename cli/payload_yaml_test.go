package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestPayloadsShowAsYAML guards friction 6 of issue 13: what is sent is
// shown as indented YAML, and a view shows nested fields as YAML blocks,
// not one line of JSON.
func TestPayloadsShowAsYAML(t *testing.T) {
	payload := []byte(`{"name":"model-a","config":{"container_type":"DockerImage","tasks":{"infer":{"parameters":{"inputs":{"data_path":"data"}}}}},"id":12345678}`)
	t.Run("the confirmation prompt shows YAML", func(t *testing.T) {
		var errb bytes.Buffer
		e := &env{stdin: strings.NewReader("n\n"), stdout: &bytes.Buffer{}, stderr: &errb}
		ok, err := e.confirmer(false)("Send?", payload)
		if err != nil || ok {
			t.Fatalf("ok %v err %v", ok, err)
		}
		out := errb.String()
		for _, want := range []string{"config:\n", "  container_type: DockerImage\n", "      parameters:\n", "id: 12345678\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("prompt lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, `{"`) {
			t.Errorf("prompt shows JSON:\n%s", out)
		}
	})
	t.Run("a view puts nested fields in YAML blocks", func(t *testing.T) {
		var v map[string]any
		json.Unmarshal(payload, &v)
		var b bytes.Buffer
		if err := writeTable(&b, kvTable(v)()); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, "config:\n  container_type: DockerImage\n  tasks:\n") || !strings.Contains(out, "name") || strings.Contains(out, `{"`) {
			t.Fatalf("view:\n%s", out)
		}
	})
}
