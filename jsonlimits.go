package medperf

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// Limits of the JSON documents the registry stores (container configs and
// parameters, metadata, user_metadata, metrics, statistics, reports). Pages
// and exports render them; without a bound a small, deeply nested document
// costs memory quadratic in its depth to indent (security finding 1).
const (
	// MaxJSONDepth is the deepest nesting of objects and arrays a stored
	// JSON document may have; the document itself is depth 1.
	MaxJSONDepth = 32
	// MaxJSONBytes is the largest stored JSON document, in bytes.
	MaxJSONBytes = 256 << 10
)

// CheckJSONBounds refuses, with a CodeInvalid error naming field, a JSON
// document larger than MaxJSONBytes or nested deeper than MaxJSONDepth. It
// scans tokens without building the document, so its cost is linear in the
// size whatever the depth. It does not check that raw is well formed beyond
// what the scan meets; decoding does that.
func CheckJSONBounds(field string, raw []byte) error {
	if len(raw) > MaxJSONBytes {
		return FieldError(field, "is larger than %d bytes", MaxJSONBytes)
	}
	if !utf8.Valid(raw) {
		// encoding/json passes raw bytes through; PostgreSQL refuses
		// them in text (a 500 there), SQLite stored them.
		return FieldError(field, "must be valid UTF-8 text")
	}
	depth, err := jsonDepth(raw, MaxJSONDepth)
	if err != nil {
		return FieldError(field, "must be well-formed JSON")
	}
	if depth > MaxJSONDepth {
		return FieldError(field, "nests objects and arrays deeper than %d levels", MaxJSONDepth)
	}
	return nil
}

// jsonDepth returns the deepest nesting of raw, stopping as soon as it
// exceeds limit.
func jsonDepth(raw []byte, limit int) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // only the nesting counts: a number out of float range is not malformed
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) && depth == 0 {
			return deepest, nil
		}
		if err != nil {
			return deepest, io.ErrUnexpectedEOF
		}
		d, ok := tok.(json.Delim)
		if !ok {
			continue
		}
		if d == '{' || d == '[' {
			depth++
			deepest = max(deepest, depth)
			if deepest > limit {
				return deepest, nil
			}
		} else {
			depth--
		}
	}
}
