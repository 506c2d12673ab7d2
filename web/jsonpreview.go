package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits of a JSON preview on a page. Stored JSON (configs, parameters,
// metadata, metrics, statistics) may be large or deeply nested; pages
// show at most this much of it, indented, and link to the stored bytes
// (issue 12 finding 1: json.Indent of a value nested 10,000 deep made a
// 399 MB page).
const (
	previewBytes = 16 << 10
	previewDepth = 8
)

// jsonPreview is what a page shows of one stored JSON value.
type jsonPreview struct {
	// Text is the value indented, cut at previewBytes and previewDepth.
	Text string
	// Cut reports whether anything was left out.
	Cut bool
	// Href is where the stored bytes are downloaded; Size is their length.
	Href string
	Size int
}

// previewJSON indents raw for reading, in time and memory linear in
// len(raw) and output bounded by previewBytes: containers deeper than
// previewDepth are shown as {…} or […]. Text that is not JSON is shown
// as it is, cut to the same size.
func previewJSON(raw json.RawMessage) (string, bool) {
	p := previewer{dec: json.NewDecoder(bytes.NewReader(raw))}
	p.dec.UseNumber()
	err := p.walk()
	if err != nil && !errors.Is(err, errPreviewFull) {
		s, cut := cutText(string(raw), previewBytes)
		return s, cut
	}
	return p.out.String(), p.cut
}

var errPreviewFull = errors.New("preview full")

// frame is one open object or array of the walk.
type frame struct {
	object bool
	n      int // tokens seen: keys and values
}

type previewer struct {
	dec   *json.Decoder
	out   strings.Builder
	stack []frame
	cut   bool
}

func (p *previewer) walk() error {
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.token(tok); err != nil {
			return err
		}
		if p.out.Len() > previewBytes {
			p.out.WriteString("\n…")
			p.cut = true
			return errPreviewFull
		}
	}
}

func (p *previewer) token(tok json.Token) error {
	if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
		open := p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
		if open.n > 0 {
			p.newline()
		}
		p.out.WriteRune(rune(d))
		return nil
	}
	isKey := p.separate()
	if d, ok := tok.(json.Delim); ok {
		if len(p.stack) >= previewDepth {
			p.cut = true
			p.out.WriteString(map[json.Delim]string{'{': "{…}", '[': "[…]"}[d])
			return p.skip()
		}
		p.out.WriteRune(rune(d))
		p.stack = append(p.stack, frame{object: d == '{'})
		return nil
	}
	p.scalar(tok)
	if isKey {
		p.out.WriteString(": ")
	}
	return nil
}

// separate writes what comes before a token inside a container (a comma
// and a new line before a key or an array element) and reports whether
// the token is an object's key.
func (p *previewer) separate() bool {
	if len(p.stack) == 0 {
		return false
	}
	f := &p.stack[len(p.stack)-1]
	f.n++
	if f.object && f.n%2 == 0 {
		return false // a value, after its key's ": "
	}
	if f.n > 1 {
		p.out.WriteByte(',')
	}
	p.newline()
	return f.object
}

func (p *previewer) newline() {
	p.out.WriteByte('\n')
	p.out.WriteString(strings.Repeat("  ", len(p.stack)))
}

// scalar writes a string, number, boolean or null, a long one cut.
func (p *previewer) scalar(tok json.Token) {
	b, _ := json.Marshal(tok)
	s, cut := cutText(string(b), previewBytes-p.out.Len()+1)
	p.cut = p.cut || cut
	p.out.WriteString(s)
}

// skip reads past the rest of a container whose opening was just read.
func (p *previewer) skip() error {
	for depth := 1; depth > 0; {
		tok, err := p.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// cutText returns s cut to at most n bytes on a rune boundary, with an
// ellipsis when cut.
func cutText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…", true
}
