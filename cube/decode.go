package cube

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
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

// The decoders below build a *ConfigError whose Field is relative to the
// node they decode; each enclosing level puts its key in front (under), and
// ParseConfig adds the file and wraps it in a CodeInvalid medperf.Error.

// failAt returns a ConfigError about field at node n (nil: no line).
func failAt(n *yaml.Node, field, format string, args ...any) *ConfigError {
	ce := &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)}
	if n != nil {
		ce.Line = n.Line
	}
	return ce
}

// under puts key in front of the field of err, which came from decoding the
// value of key at node n. An error that is not a ConfigError (the YAML
// library's own) becomes one at n.
func under(key string, n *yaml.Node, err error) error {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		return failAt(n, key, "%v", err)
	}
	switch {
	case ce.Field == "":
		ce.Field = key
	case key != "" && !strings.HasPrefix(ce.Field, "["):
		ce.Field = key + "." + ce.Field
	default:
		ce.Field = key + ce.Field
	}
	return ce
}

// invalid wraps a ConfigError (or any decoding error) of file into the
// CodeInvalid error ParseConfig returns.
func invalid(file string, err error) error {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		ce = &ConfigError{Problem: err.Error()}
	}
	ce.File = file
	return &medperf.Error{Code: medperf.CodeInvalid, Message: ce.Error(), Err: ce}
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// entry is one key: value of a mapping, the value's aliases resolved.
type entry struct {
	key   string
	kNode *yaml.Node
	value *yaml.Node
}

// entries returns the entries of the mapping n in order, rejecting
// non-mappings, non-string keys, merge keys and keys given twice.
func entries(n *yaml.Node) ([]entry, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, failAt(n, "", "must be a mapping (key: value lines)")
	}
	seen := map[string]bool{}
	out := make([]entry, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k.Kind != yaml.ScalarNode {
			return nil, failAt(k, "", "keys must be plain names")
		}
		if k.Tag == "!!merge" {
			return nil, failAt(k, "", "merge keys (<<) are not supported; write the fields out")
		}
		if seen[k.Value] {
			return nil, failAt(k, k.Value, "appears twice")
		}
		seen[k.Value] = true
		out = append(out, entry{key: k.Value, kNode: k, value: resolve(n.Content[i+1])})
	}
	return out, nil
}

// scalar returns the value of the scalar n; null is not a value.
func scalar(n *yaml.Node) (string, error) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", failAt(n, "", "must be a single value")
	}
	return n.Value, nil
}

// fieldSet is a struct decoded by decodeFields. unknownField says how a key
// the struct has no field for is refused ("is not a task field"); ""
// ignores such keys (the parts of an mlcube.yaml medperf does not use).
type fieldSet interface {
	unknownField() string
}

// decodeFields decodes the mapping n into the struct dst, strictly: each
// key must name a field by its yaml tag (the refusal lists the allowed
// keys), and is decoded by the field's type. A string field takes a
// non-null scalar; a struct or pointer-to-struct field that is a fieldSet
// is decoded the same way (null leaves it zero); any other field is decoded
// by the YAML library, through its UnmarshalYAML when it has one (the
// fields given in several shapes). It returns the value node of each key,
// for checks that need their lines.
//
// This is the library's KnownFields(true), done here: the library's own
// does not reach the values decoded inside an UnmarshalYAML (Node.Decode
// makes a decoder of its own), and its errors name neither the field's path
// nor the keys allowed.
func decodeFields(n *yaml.Node, dst fieldSet) (map[string]*yaml.Node, error) {
	es, err := entries(n)
	if err != nil {
		return nil, err
	}
	v := reflect.ValueOf(dst).Elem()
	tags := fieldTags(v.Type())
	nodes := make(map[string]*yaml.Node, len(es))
	for _, e := range es {
		i, ok := tags[e.key]
		if !ok {
			if dst.unknownField() == "" {
				continue
			}
			return nil, failAt(e.kNode, e.key, "%s; allowed: %s", dst.unknownField(), allowed(tags))
		}
		if err := decodeField(e.value, v.Field(i)); err != nil {
			return nil, under(e.key, e.value, err)
		}
		nodes[e.key] = e.value
	}
	return nodes, nil
}

func decodeField(n *yaml.Node, f reflect.Value) error {
	switch {
	case f.Kind() == reflect.String:
		s, err := scalar(n)
		f.SetString(s)
		return err
	case f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct:
		f.Set(reflect.New(f.Type().Elem()))
		if fs, ok := f.Interface().(fieldSet); ok {
			_, err := decodeFields(n, fs)
			return err
		}
	}
	// Called directly rather than through n.Decode, which skips
	// UnmarshalYAML for null: each shape decides whether null is allowed.
	if u, ok := f.Addr().Interface().(yaml.Unmarshaler); ok {
		return u.UnmarshalYAML(resolve(n))
	}
	return n.Decode(f.Addr().Interface())
}

// fieldTags maps the yaml tags of struct type t to field indexes.
func fieldTags(t reflect.Type) map[string]int {
	tags := map[string]int{}
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			tags[name] = i
		}
	}
	return tags
}

func allowed(tags map[string]int) string {
	ks := make([]string, 0, len(tags))
	for k := range tags {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// named is one entry of a mapping keyed by names (tasks, volumes), its value
// decoded into T.
type named[T any] struct {
	Key   string
	KNode *yaml.Node
	Node  *yaml.Node
	Value T
}

// namedMap is a mapping of names to values of type T, in file order. A
// null mapping is empty; a null value leaves T zero.
type namedMap[T any] []named[T]

// UnmarshalYAML decodes a mapping of names.
func (m *namedMap[T]) UnmarshalYAML(n *yaml.Node) error {
	*m = namedMap[T]{}
	if isNull(n) {
		return nil
	}
	es, err := entries(n)
	if err != nil {
		return err
	}
	for _, e := range es {
		if !namePattern.MatchString(e.key) {
			return failAt(e.kNode, e.key, "is not a valid name: use letters, digits, _ . - (at most 64)")
		}
		item := named[T]{Key: e.key, KNode: e.kNode, Node: e.value}
		if !isNull(e.value) {
			if err := decodeField(e.value, reflect.ValueOf(&item.Value).Elem()); err != nil {
				return under(e.key, e.value, err)
			}
		}
		*m = append(*m, item)
	}
	return nil
}

// words is a command given as a list of strings or as one string split
// like a shell would (quotes group words; no expansion).
type words []string

// UnmarshalYAML decodes either shape.
func (w *words) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		out := make([]string, 0, len(n.Content))
		for i, item := range n.Content {
			s, err := scalar(item)
			if err != nil {
				return under(fmt.Sprintf("[%d]", i), item, err)
			}
			out = append(out, s)
		}
		*w = out
		return nil
	}
	s, err := scalar(n)
	if err != nil {
		return failAt(n, "", "must be a string or a list of strings")
	}
	out, ok := splitWords(s)
	if !ok {
		return failAt(n, "", "has an unterminated quote")
	}
	*w = out
	return nil
}

// program is an entrypoint: one string is one program path, never split on
// blanks, as MedPerf passes run_args.entrypoint to `docker run --entrypoint`
// (a path with a space stays one path); a list is the program and its
// first arguments.
type program []string

// UnmarshalYAML decodes either shape.
func (p *program) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.SequenceNode {
		var w words
		if err := w.UnmarshalYAML(n); err != nil {
			return err
		}
		*p = program(w)
		return nil
	}
	s, err := scalar(n)
	if err != nil {
		return failAt(n, "", "must be a string or a list of strings")
	}
	*p = program{s}
	return nil
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

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// environment is a map of names to values, or a list of NAME=value.
type environment map[string]string

// UnmarshalYAML decodes either shape.
func (env *environment) UnmarshalYAML(n *yaml.Node) error {
	*env = environment{}
	if n.Kind == yaml.SequenceNode {
		for i, item := range n.Content {
			field := fmt.Sprintf("[%d]", i)
			s, err := scalar(item)
			if err != nil {
				return under(field, item, err)
			}
			k, v, ok := strings.Cut(s, "=")
			if !ok {
				return failAt(item, field, "must be NAME=value")
			}
			if err := env.add(item, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	es, err := entries(n)
	if err != nil {
		return failAt(n, "", "must be a mapping of NAME: value, or a list of NAME=value")
	}
	for _, e := range es {
		v := ""
		if !isNull(e.value) {
			if v, err = scalar(e.value); err != nil {
				return under(e.key, e.value, err)
			}
		}
		if err := env.add(e.kNode, e.key, v); err != nil {
			return err
		}
	}
	return nil
}

func (env environment) add(n *yaml.Node, k, v string) error {
	if !envName.MatchString(k) {
		return failAt(n, k, "is not a valid environment variable name (letters, digits, _)")
	}
	if _, dup := env[k]; dup {
		return failAt(n, k, "appears twice")
	}
	env[k] = v
	return nil
}

// byteSize is a size in bytes, given as a number of bytes or a string like
// 512m, 2gb, 1GiB.
type byteSize int64

// UnmarshalYAML parses the size.
func (b *byteSize) UnmarshalYAML(n *yaml.Node) error {
	s, err := scalar(n)
	if err != nil {
		return err
	}
	size, err := ParseSize(s)
	if err != nil {
		return failAt(n, "", "%q is not a size; write bytes or a number with a unit (512m, 2g)", s)
	}
	*b = byteSize(size)
	return nil
}
