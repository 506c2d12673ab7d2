package medperf

import (
	"encoding/json"
	"strings"
	"testing"
)

// nested returns a JSON object nesting arrays depth levels deep in total.
func nested(depth int) json.RawMessage {
	return json.RawMessage(`{"a":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
}

// bigObject returns a JSON object of about n bytes.
func bigObject(n int) json.RawMessage {
	return json.RawMessage(`{"a":"` + strings.Repeat("x", n) + `"}`)
}

// TestFinding1StoredJSONIsBounded: every stored JSON document is refused
// past MaxJSONDepth or MaxJSONBytes, with CodeInvalid naming its field (the
// 10,000-deep config of the security review made a 399 MB page).
func TestFinding1StoredJSONIsBounded(t *testing.T) {
	h := strings.Repeat("a", 64)
	config := func(raw json.RawMessage) json.RawMessage {
		return json.RawMessage(`{"tasks":{"infer":` + string(raw) + `}}`)
	}
	deep, big := nested(MaxJSONDepth+1), bigObject(MaxJSONBytes)
	checks := []struct {
		field string
		run   func(raw json.RawMessage) error
	}{
		{"config", func(raw json.RawMessage) error {
			_, err := ContainerInput{Name: "m", Config: config(raw), ImageHash: "sha256:" + h}.Validate()
			return err
		}},
		{"parameters", func(raw json.RawMessage) error {
			_, err := ContainerInput{Name: "m", Config: config(json.RawMessage(`{}`)), Parameters: raw, ImageHash: "sha256:" + h}.Validate()
			return err
		}},
		{"user_metadata", func(raw json.RawMessage) error {
			_, err := ContainerInput{Name: "m", Config: config(json.RawMessage(`{}`)), UserMetadata: raw, ImageHash: "sha256:" + h}.Validate()
			return err
		}},
		{"generated_metadata", func(raw json.RawMessage) error {
			in := DatasetInput{Name: "d", InputDataHash: h, DataPreparationContainer: 1, GeneratedMetadata: raw}
			return in.Validate()
		}},
		{"report", func(raw json.RawMessage) error {
			in := DatasetInput{Name: "d", InputDataHash: h, DataPreparationContainer: 1, Report: raw}
			return in.Validate()
		}},
		{"metadata", func(raw json.RawMessage) error {
			in := validBenchmark()
			in.Metadata = raw
			return in.Validate()
		}},
		{"results", func(raw json.RawMessage) error {
			return ResultInput{BenchmarkID: 1, ModelID: 1, DatasetID: 1, Metrics: raw}.Validate()
		}},
		{"metadata", func(raw json.RawMessage) error { return AssociationRequest{ComponentID: 1, Metadata: raw}.Validate() }},
	}
	for _, c := range checks {
		if c.field == "config" {
			// The config's own wrapper adds two levels.
			deep = nested(MaxJSONDepth - 1)
		} else {
			deep = nested(MaxJSONDepth + 1)
		}
		t.Run(c.field+" at the depth limit is accepted", func(t *testing.T) {
			raw := nested(MaxJSONDepth)
			if c.field == "config" {
				raw = nested(MaxJSONDepth - 2)
			}
			if err := c.run(raw); err != nil {
				t.Fatalf("refused: %v", err)
			}
		})
		t.Run(c.field+" too deep is refused", func(t *testing.T) {
			if err := c.run(deep); ErrorCode(err) != CodeInvalid || fieldOf(err) != c.field {
				t.Fatalf("error %v, want invalid %s", err, c.field)
			}
		})
		t.Run(c.field+" too large is refused", func(t *testing.T) {
			if err := c.run(big); ErrorCode(err) != CodeInvalid || fieldOf(err) != c.field {
				t.Fatalf("error %v, want invalid %s", err, c.field)
			}
		})
	}
}

func TestFinding1DepthScanIsLinear(t *testing.T) {
	// 100,000 levels are refused by the scan without building anything.
	raw := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	if err := CheckJSONBounds("x", raw); ErrorCode(err) != CodeInvalid {
		t.Fatalf("error %v", err)
	}
	if err := CheckJSONBounds("x", []byte(`{"a":[1,{"b":2}]`)); ErrorCode(err) != CodeInvalid {
		t.Fatalf("malformed JSON accepted: %v", err)
	}
}
