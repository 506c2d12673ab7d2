package leaderboard

import (
	"strconv"
	"unicode/utf8"

	"github.com/medperf/medperf"
)

// flatNumbers is numbers' fast path, for the metrics objects results hold
// in practice: keys without escapes, each once, and values that are numbers,
// strings without escapes, true, false or null. It reads such an object in
// one pass without encoding/json (whose generic decoding was a third of a
// million-result build) and reports false for anything else, which numbers
// then decodes the general way; for the objects it reads, it gives what
// numbers' general way gives.
func flatNumbers(raw []byte) (map[string]float64, bool) {
	out := map[string]float64{}
	var keys [][]byte
	if !flatNumbersInto(raw, out, &keys, nil) {
		return nil, false
	}
	return out, true
}

// flatNumbersInto is flatNumbers into out (empty), with keys as scratch
// space and intern, when not nil, making the keys' strings (so that a
// build does not allocate the same few names a million times). On false
// out holds part of the object.
func flatNumbersInto(raw []byte, out map[string]float64, keys *[][]byte, intern func([]byte) string) bool {
	p := flatParser{b: raw}
	p.space()
	if !p.eat('{') {
		return false
	}
	*keys = (*keys)[:0]
	p.space()
	if p.eat('}') {
		return p.end()
	}
	for {
		key, ok := p.plainString()
		if !ok || !utf8.Valid(key) || seen(*keys, key) {
			return false
		}
		if *keys = append(*keys, key); len(*keys) > medperf.MaxResultMetrics {
			return false
		}
		p.space()
		if !p.eat(':') {
			return false
		}
		p.space()
		v, isNumber, ok := p.value()
		if !ok {
			return false
		}
		if isNumber && intern != nil {
			out[intern(key)] = v
		} else if isNumber {
			out[string(key)] = v
		}
		p.space()
		if p.eat('}') {
			return p.end()
		}
		if !p.eat(',') {
			return false
		}
		p.space()
	}
}

func seen(keys [][]byte, key []byte) bool {
	for _, k := range keys {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// flatParser reads a JSON text from b at i.
type flatParser struct {
	b []byte
	i int
}

func (p *flatParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *flatParser) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space follows.
func (p *flatParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

// plainString reads a string without escapes or control characters and
// returns its contents.
func (p *flatParser) plainString() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// value reads a value that is not an object or an array: its number when it
// is a finite one (as medperf.MetricNumber reads it), and whether it was
// read at all.
func (p *flatParser) value() (v float64, isNumber, ok bool) {
	if p.i >= len(p.b) {
		return 0, false, false
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, ok := p.plainString()
		return 0, false, ok
	case c == 'n':
		return 0, false, p.literal("null")
	case c == 't':
		return 0, false, p.literal("true")
	case c == 'f':
		return 0, false, p.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		if !p.number() {
			return 0, false, false
		}
		f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
		return f, err == nil && finite(f), true
	}
	return 0, false, false
}

func (p *flatParser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// number reads a number of JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *flatParser) number() bool {
	p.eat('-')
	switch {
	case p.eat('0'):
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return false
	}
	if p.eat('.') && p.digits() == 0 {
		return false
	}
	if p.eat('e') || p.eat('E') {
		if !p.eat('+') {
			p.eat('-')
		}
		if p.digits() == 0 {
			return false
		}
	}
	return true
}

func (p *flatParser) digits() int {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}
