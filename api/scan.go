package api

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/medperf/medperf"
)

// maxBodyDepth bounds the nesting of a whole request body: the stored
// documents inside it are bounded by medperf.MaxJSONDepth (and the store
// names their field); this is the outer guard, a little deeper so that
// the store's finer message wins for them.
const maxBodyDepth = medperf.MaxJSONDepth + 8

// scanFrame is one open object or array of scanStrings.
type scanFrame struct {
	object  bool
	key     string
	wantKey bool
}

// scanStrings refuses a body that holds a NUL character in any string (a
// key or a value: PostgreSQL cannot store one in text, SQLite can, so the
// two databases would disagree; security finding 9) or that nests deeper
// than maxBodyDepth, naming the field where it found it. It reads tokens,
// never building the document. A body that is not well-formed JSON passes:
// the decoder that follows explains that better.
func scanStrings(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []scanFrame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				if len(stack) >= maxBodyDepth {
					return medperf.FieldError(fieldPath(stack), "nests objects and arrays deeper than %d levels", maxBodyDepth)
				}
				stack = append(stack, scanFrame{object: t == '{', wantKey: t == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if strings.ContainsRune(t, 0) {
					return medperf.FieldError(fieldPath(stack), "must not hold a NUL character")
				}
				continue
			}
			if strings.ContainsRune(t, 0) {
				return medperf.FieldError(fieldPath(stack), "must not hold a NUL character")
			}
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

// fieldPath names the field being read: the keys of the open objects,
// joined with dots ("config.tasks"), or "body" at the top.
func fieldPath(stack []scanFrame) string {
	var keys []string
	for _, f := range stack {
		if f.object && f.key != "" {
			keys = append(keys, strings.ToValidUTF8(strings.ReplaceAll(f.key, "\x00", `\0`), "?"))
		}
	}
	if len(keys) == 0 {
		return "body"
	}
	return strings.Join(keys, ".")
}
