package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// Limits of the YAML files a container writes for the site to read
// (results.yaml, statistics.yaml). The container is not trusted: these are
// checked before the file is decoded, because the YAML decoder's check for
// duplicate keys takes time quadratic in the keys of one mapping.
const (
	// MaxYAMLFileBytes is the largest results or statistics file read: 1 MiB.
	MaxYAMLFileBytes = 1 << 20
	// MaxYAMLKeys is the largest number of mapping keys in such a file,
	// counted over every nesting level.
	MaxYAMLKeys = 10_000
	// MaxYAMLNodes bounds the nodes visited while counting keys (aliases
	// are followed, so a small file may name many nodes).
	MaxYAMLNodes = 100_000
)

// yamlFileAsJSON reads a YAML mapping written by a container and returns it
// as a JSON object. A file over MaxYAMLFileBytes, or with more than
// MaxYAMLKeys keys or MaxYAMLNodes nodes, is CodeTooLarge, checked before
// the mapping is decoded.
func yamlFileAsJSON(file, what string) (json.RawMessage, error) {
	b, err := readCapped(file, what)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s (%s) are not a YAML mapping: fix the container", what, filepath.Base(file))
	}
	c := keyCounter{}
	if !c.walk(&doc) {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "%s (%s) hold more than %d keys (or %d YAML nodes), the most the site reads: fix the container", what, filepath.Base(file), MaxYAMLKeys, MaxYAMLNodes)
	}
	var v map[string]any
	if err := doc.Decode(&v); err != nil || v == nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s (%s) are not a YAML mapping: fix the container", what, filepath.Base(file))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s (%s) cannot be expressed as JSON: fix the container", what, filepath.Base(file))
	}
	return out, nil
}

// readCapped reads file, refusing a symbolic link, anything but a regular
// file, and one over MaxYAMLFileBytes (without reading more than one byte
// past the limit).
func readCapped(file, what string) ([]byte, error) {
	// The container chose what this path is: a link could point at a host
	// file (a profile with its token) that would then be sent as metrics.
	if fi, err := os.Lstat(file); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s (%s) are a symbolic link: refusing to follow it (fix the container)", what, filepath.Base(file))
	}
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s are missing: the container wrote no file %s", what, filepath.Base(file))
	}
	if err != nil {
		return nil, storageError(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		return nil, medperf.Errorf(medperf.CodeInvalid, "%s (%s) are not a regular file: fix the container", what, filepath.Base(file))
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxYAMLFileBytes+1))
	if err != nil {
		return nil, storageError(err)
	}
	if len(b) > MaxYAMLFileBytes {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "%s (%s) are larger than %s, the most the site reads: fix the container", what, filepath.Base(file), fmt.Sprintf("%d bytes (1 MiB)", MaxYAMLFileBytes))
	}
	return b, nil
}

// keyCounter counts mapping keys and visited nodes of a YAML tree.
type keyCounter struct{ keys, nodes int }

// walk visits n and reports whether the tree stays within the limits; it
// stops as soon as a limit is passed, so its work is bounded whatever the
// aliases.
func (c *keyCounter) walk(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	c.nodes++
	if c.nodes > MaxYAMLNodes {
		return false
	}
	if n.Kind == yaml.MappingNode {
		c.keys += len(n.Content) / 2
		if c.keys > MaxYAMLKeys {
			return false
		}
	}
	if n.Kind == yaml.AliasNode {
		return c.walk(n.Alias)
	}
	for _, child := range n.Content {
		if !c.walk(child) {
			return false
		}
	}
	return true
}
