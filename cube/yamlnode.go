package cube

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// ConfigError is the cause of every invalid-config error: where the problem
// is and what is wrong. Callers reach it with errors.As; the medperf.Error
// that wraps it carries CodeInvalid and a message built from these fields.
type ConfigError struct {
	// File is the config file as given ("" when parsed from bytes).
	File string
	// Line is the 1-based line of the offending node, 0 when unknown.
	Line int
	// Field is the dotted path of the field (tasks.infer.run_args.privileged).
	Field string
	// Problem says what is wrong and what is allowed.
	Problem string
}

// Error returns "file:line: field: problem".
func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// parser walks a YAML document and reports errors against its file.
type parser struct {
	file string
}

// fail returns a CodeInvalid error about field at node n.
func (p *parser) fail(n *yaml.Node, field, format string, args ...any) error {
	ce := &ConfigError{File: p.file, Field: field, Problem: fmt.Sprintf(format, args...)}
	if n != nil {
		ce.Line = n.Line
	}
	return &medperf.Error{Code: medperf.CodeInvalid, Message: ce.Error(), Err: ce}
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// pair is one key: value entry of a mapping.
type pair struct {
	key   string
	kNode *yaml.Node
	value *yaml.Node
}

// mapping returns the entries of the mapping n, rejecting non-mappings,
// non-string keys and duplicate keys.
func (p *parser) mapping(n *yaml.Node, field string) ([]pair, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, p.fail(n, field, "must be a mapping (key: value lines)")
	}
	seen := map[string]bool{}
	var out []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, p.fail(k, field, "keys must be plain names")
		}
		if k.Tag == "!!merge" {
			return nil, p.fail(k, field, "merge keys (<<) are not supported; write the fields out")
		}
		if seen[k.Value] {
			return nil, p.fail(k, join(field, k.Value), "appears twice")
		}
		seen[k.Value] = true
		out = append(out, pair{key: k.Value, kNode: k, value: resolve(v)})
	}
	return out, nil
}

// scalar returns the string value of the scalar n.
func (p *parser) scalar(n *yaml.Node, field string) (string, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.fail(n, field, "must be a single value")
	}
	return n.Value, nil
}

// words returns a command given as a list of strings or as one string split
// like a shell would (quotes group words; no expansion).
func (p *parser) words(n *yaml.Node, field string) ([]string, error) {
	n = resolve(n)
	if n != nil && n.Kind == yaml.SequenceNode {
		out := make([]string, 0, len(n.Content))
		for i, item := range n.Content {
			s, err := p.scalar(item, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := p.scalar(n, field)
	if err != nil {
		return nil, p.fail(n, field, "must be a string or a list of strings")
	}
	w, ok := splitWords(s)
	if !ok {
		return nil, p.fail(n, field, "has an unterminated quote")
	}
	return w, nil
}

// splitWords splits s on blanks, keeping quoted runs together.
func splitWords(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, false
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, true
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func keysOf(m map[string]bool) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}
