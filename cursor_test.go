package medperf

import (
	"encoding/base64"
	"errors"
	"testing"
)

func TestCursorRoundTrips(t *testing.T) {
	for _, id := range []int64{0, 1, 42, 1 << 60} {
		got, err := DecodeCursor(EncodeCursor(id))
		if err != nil || got != id {
			t.Errorf("DecodeCursor(EncodeCursor(%d)) = %d, %v", id, got, err)
		}
	}
}

func TestBadCursorsAreInvalid(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	for name, c := range map[string]string{
		"not base64":       "!!!",
		"empty":            "",
		"no version":       b64([]byte("123")),
		"other version":    b64([]byte("v2:123")),
		"not a number":     b64([]byte("v1:abc")),
		"negative":         b64([]byte("v1:-1")),
		"leading zero":     b64([]byte("v1:012")),
		"trailing garbage": b64([]byte("v1:123 ")),
		"overflow":         b64([]byte("v1:99999999999999999999999")),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeCursor(c)
			var e *Error
			if ErrorCode(err) != CodeInvalid || !errors.As(err, &e) || e.Field != "cursor" {
				t.Errorf("DecodeCursor(%q) = %v, want invalid naming cursor", c, err)
			}
		})
	}
}

func TestPageNormalizeChecksCursors(t *testing.T) {
	p, err := Page{Cursor: EncodeCursor(5)}.Normalize()
	if err != nil || !p.Keyset || p.Limit != DefaultPageSize {
		t.Errorf("a good cursor: %+v, %v; want keyset with the default limit", p, err)
	}
	if _, err := (Page{Cursor: "nope"}).Normalize(); ErrorCode(err) != CodeInvalid {
		t.Errorf("a bad cursor: %v, want invalid", err)
	}
	for _, p := range []Page{{Cursor: EncodeCursor(5), Offset: 10}, {Keyset: true, Offset: 1}} {
		if _, err := p.Normalize(); ErrorCode(err) != CodeInvalid {
			t.Errorf("%+v: %v, want invalid (offset and cursor together)", p, err)
		}
	}
}
