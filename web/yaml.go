package web

import (
	"bytes"
	"encoding/json"

	"go.yaml.in/yaml/v3"
)

// yamlOf shows a stored container config as YAML, the form its owner
// wrote it in; "" when it is not JSON or too large or deep for a page
// (previewJSON bounds it), so that the page shows the bounded JSON
// preview and its download link instead.
func yamlOf(raw json.RawMessage) string {
	if _, cut := previewJSON(raw); cut || len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if enc.Encode(v) != nil {
		return ""
	}
	return b.String()
}
