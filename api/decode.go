package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
)

// decode reads the JSON body of r into v: one JSON value, no unknown
// fields, within the size limit. Its errors name the field at fault.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return medperf.FieldError("Content-Type", "must be application/json, not %q", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	if err := scanStrings(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return medperf.FieldError("body", "must hold a single JSON object, with nothing after it")
	}
	return nil
}

// decodeError explains a JSON decoding error.
func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		mbe    *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return &medperf.Error{Code: medperf.CodeTooLarge, Field: "body", Message: "is larger than " + strconv.FormatInt(mbe.Limit, 10) + " bytes"}
	case errors.Is(err, io.EOF):
		return medperf.FieldError("body", "is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return medperf.FieldError("body", "is truncated JSON")
	case errors.As(err, &syntax):
		return medperf.FieldError("body", "is malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return medperf.FieldError("body", "must be a JSON object")
		}
		kind := jsonKind(typ.Type.Kind().String())
		if kind == "a number" && strings.HasPrefix(typ.Value, "number") {
			return medperf.FieldError(field, "must be a whole number within the range of a 64-bit integer")
		}
		return medperf.FieldError(field, "must be %s, not a JSON %s", kind, typ.Value)
	}
	// encoding/json reports an unknown field only in its message:
	// `json: unknown field "name"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field := strings.Trim(name, `"`)
		return medperf.FieldError(field, "is not a known field")
	}
	return medperf.FieldError("body", "cannot be read as JSON")
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice":
		return "an array"
	}
	return "an object"
}

// query reads the query parameters of a list: only the names in allowed
// (and limit and offset) are accepted.
type query struct {
	// values are the request's parameters, parsed once (each
	// URL.Query call parses the whole query string again).
	values url.Values
	err    error
}

func newQuery(r *http.Request, allowed ...string) *query {
	q := &query{values: r.URL.Query()}
	for name := range q.values {
		if !contains(pageParams, name) && !contains(allowed, name) {
			q.err = medperf.FieldError(name, "is not a known query parameter (known: %s, %s)", strings.Join(pageParams, ", "), strings.Join(allowed, ", "))
		}
	}
	return q
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// int64 returns a non-negative integer parameter, 0 when absent.
func (q *query) int64(name string) int64 {
	s := q.values.Get(name)
	if s == "" || q.err != nil {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		q.err = medperf.FieldError(name, "must be a non-negative integer")
	}
	return v
}

// pageParams are the query parameters of every list: limit and offset, or
// cursor (present, even empty, for keyset pages) and total.
var pageParams = []string{"limit", "offset", "cursor", "total"}

// page returns the window that limit, offset, cursor and total select.
func (q *query) page() medperf.Page {
	p := medperf.Page{Limit: int(q.int64("limit")), Offset: int(q.int64("offset")),
		Cursor: q.values.Get("cursor"), Keyset: q.values.Has("cursor")}
	if t := q.boolean("total"); t != nil {
		p.Total = *t
	}
	if q.err == nil {
		_, q.err = p.Normalize()
	}
	return p
}

// str returns a string parameter checked by valid (nil: any).
func (q *query) str(name string, valid func(string) bool) string {
	s := q.values.Get(name)
	if s != "" && valid != nil && !valid(s) && q.err == nil {
		q.err = medperf.FieldError(name, "has an unknown value %q", s)
	}
	return s
}

// boolean returns an optional true/false parameter.
func (q *query) boolean(name string) *bool {
	s := q.values.Get(name)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil && q.err == nil {
		q.err = medperf.FieldError(name, "must be true or false")
	}
	return &v
}

// pathID returns the positive integer path value name.
func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, medperf.FieldError(name, "must be a positive integer id, not %q", r.PathValue(name))
	}
	return v, nil
}

func validState(s string) bool          { return medperf.State(s).Valid() }
func validApprovalStatus(s string) bool { return medperf.ApprovalStatus(s).Valid() }
