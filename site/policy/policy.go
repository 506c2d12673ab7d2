package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// The rule names: the top-level keys of policy.yaml.
const (
	RuleServers            = "servers"
	RuleBenchmarks         = "benchmarks"
	RuleImages             = "images"
	RuleRuntimes           = "runtimes"
	RuleMaxCPUs            = "max_cpus"
	RuleMaxMemory          = "max_memory"
	RuleMaxGPUs            = "max_gpus"
	RuleMaxTime            = "max_time"
	RulePrivateURLs        = "private_urls"
	RuleMetrics            = "metrics"
	RuleMinCases           = "min_cases"
	RuleUnsignedContainers = "unsigned_containers"
)

// Rules lists every rule in the order Explain reports them.
var Rules = []string{
	RuleServers, RuleBenchmarks, RuleImages, RuleRuntimes, RuleMaxCPUs, RuleMaxMemory,
	RuleMaxGPUs, RuleMaxTime, RulePrivateURLs, RuleMetrics, RuleMinCases, RuleUnsignedContainers,
}

// Runtimes are the runtime names a policy may list.
var Runtimes = []string{"docker", "podman", "apptainer", "singularity", "local"}

// MaxFileSize bounds policy.yaml.
const MaxFileSize = 1 << 20

// Policy is a parsed site policy. A rule absent from the file has its
// default, which allows what medperf allows without a policy:
//
//	servers, benchmarks, images, runtimes, metrics: any
//	max_cpus, max_memory, max_gpus, max_time: no cap beyond the task's own
//	  limits (all CPUs, 3/4 of memory, GPUs only when asked, 2h-24h per task)
//	private_urls: true (URLs to private addresses may be fetched)
//	min_cases: 0
//	unsigned_containers: true
//
// Use Default() for a site without a policy: the zero Policy is stricter
// (no GPUs, no private URLs, no unsigned containers). A nil *Policy decides
// as Default(). Policies are immutable once parsed and safe for concurrent
// use.
type Policy struct {
	// File is the path the policy was read from ("" for the default).
	File string
	// Servers are the allowed registry URLs, normalized (see Decide).
	Servers []string
	// Benchmarks are the allowed benchmark ids.
	Benchmarks []int64
	// Images are the allowed images: digests and repository prefixes.
	Images []ImageRule
	// Runtimes are the allowed runtime names.
	Runtimes []string
	// MaxCPUs caps a task's CPUs; 0 means no cap.
	MaxCPUs float64
	// MaxMemory caps a task's memory in bytes; 0 means no cap.
	MaxMemory int64
	// MaxGPUs caps a task's GPUs; -1 means no cap, 0 means no GPUs.
	MaxGPUs int
	// MaxTime caps a task's timeout; 0 means no cap.
	MaxTime time.Duration
	// PrivateURLs allows fetching URLs that point to private addresses.
	PrivateURLs bool
	// Metrics are the metric names (or path.Match patterns) that may leave
	// the site.
	Metrics []string
	// MinCases is the least number of cases a submitted result must cover.
	MinCases int64
	// UnsignedContainers allows containers whose image is not signed.
	UnsignedContainers bool

	// lines maps a rule set in the file to the line of its key.
	lines map[string]int
}

// Default returns the policy of a site without policy.yaml.
func Default() *Policy {
	return &Policy{MaxGPUs: -1, PrivateURLs: true, UnsignedContainers: true}
}

// IsSet reports whether the file sets rule (otherwise its default applies).
func (p *Policy) IsSet(rule string) bool {
	_, ok := p.lines[rule]
	return ok
}

// Line returns the line of rule's key in the file, or 0 when it is not set.
func (p *Policy) Line(rule string) int { return p.lines[rule] }

// ParseError says where policy.yaml is wrong. It is the cause (Err) of the
// *medperf.Error that Parse and Load return; callers reach it with
// errors.As.
type ParseError struct {
	File    string
	Line    int
	Key     string
	Problem string
}

// Error returns "file:line: key: problem".
func (e *ParseError) Error() string {
	var b strings.Builder
	file := e.File
	if file == "" {
		file = "policy"
	}
	b.WriteString(file)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

func parseErr(file string, line int, key, format string, args ...any) error {
	pe := &ParseError{File: file, Line: line, Key: key, Problem: fmt.Sprintf(format, args...)}
	// The message already names the key; Field stays empty so it is not repeated.
	return &medperf.Error{Code: medperf.CodeInvalid, Message: pe.Error(), Err: pe}
}

// Load reads the policy file at path. A missing file is CodeNotFound (for
// --policy FILE, where the user named a file); LoadOrDefault treats it as
// the default policy instead.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, medperf.Errorf(medperf.CodeNotFound, "no policy file at %s", path)
	}
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: fmt.Sprintf("cannot read the policy file %s: %v", path, errors.Unwrap(err)), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Message: fmt.Sprintf("cannot read the policy file %s", path), Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the policy file %s is larger than %d bytes", path, MaxFileSize)
	}
	return Parse(data, path)
}

// LoadOrDefault is Load, except that a missing file gives Default() with
// File set to path: the behaviour for $MEDPERF_HOME/policy.yaml.
func LoadOrDefault(path string) (*Policy, error) {
	p, err := Load(path)
	if medperf.ErrorCode(err) == medperf.CodeNotFound {
		p = Default()
		p.File = path
		return p, nil
	}
	return p, err
}

// Parse reads a policy from data; file names it in messages. An empty
// document is the default policy. Every error is CodeInvalid with a
// *ParseError cause giving the file, line and key: unknown keys, duplicate
// keys, values of the wrong type or out of range.
func Parse(data []byte, file string) (*Policy, error) {
	if len(data) > MaxFileSize {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the policy file %s is larger than %d bytes", file, MaxFileSize)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, parseErr(file, 0, "", "is not valid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p := Default()
	p.File = file
	p.lines = map[string]int{}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return p, nil
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return p, nil
	}
	if top.Kind != yaml.MappingNode {
		return nil, parseErr(file, top.Line, "", "must be a mapping of rules (servers:, images:, max_cpus: ...)")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], resolve(top.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, parseErr(file, k.Line, "", "keys must be plain names")
		}
		if first, dup := p.lines[k.Value]; dup {
			return nil, parseErr(file, k.Line, k.Value, "is set twice (first on line %d)", first)
		}
		set, ok := setters[k.Value]
		if !ok {
			return nil, parseErr(file, k.Line, k.Value, "is not a policy rule; the rules are %s", strings.Join(Rules, ", "))
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			return nil, parseErr(file, v.Line, k.Value, "has no value; remove the key to get the default")
		}
		if problem := set(p, v); problem != "" {
			return nil, parseErr(file, v.Line, k.Value, "%s", problem)
		}
		p.lines[k.Value] = k.Line
	}
	return p, nil
}

// resolve follows an alias to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// setters parse one rule's value into p; they return a problem or "".
var setters = map[string]func(p *Policy, v *yaml.Node) string{
	RuleServers:            setServers,
	RuleBenchmarks:         setBenchmarks,
	RuleImages:             setImages,
	RuleRuntimes:           setRuntimes,
	RuleMaxCPUs:            setMaxCPUs,
	RuleMaxMemory:          setMaxMemory,
	RuleMaxGPUs:            setMaxGPUs,
	RuleMaxTime:            setMaxTime,
	RulePrivateURLs:        func(p *Policy, v *yaml.Node) string { return setBool(&p.PrivateURLs, v) },
	RuleMetrics:            setMetrics,
	RuleMinCases:           setMinCases,
	RuleUnsignedContainers: func(p *Policy, v *yaml.Node) string { return setBool(&p.UnsignedContainers, v) },
}

// stringList decodes a sequence of strings; check validates each item and
// returns its normalized form or a problem.
func stringList(v *yaml.Node, what string, check func(string) (string, string)) ([]string, string) {
	if v.Kind != yaml.SequenceNode {
		return nil, "must be a list of " + what
	}
	out := []string{}
	for _, item := range v.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || item.Tag != "!!str" && item.Tag != "!!int" {
			return nil, fmt.Sprintf("line %d: must be a list of %s", item.Line, what)
		}
		norm, problem := check(item.Value)
		if problem != "" {
			return nil, fmt.Sprintf("line %d: %q %s", item.Line, item.Value, problem)
		}
		out = append(out, norm)
	}
	return out, ""
}

func setServers(p *Policy, v *yaml.Node) string {
	var problem string
	p.Servers, problem = stringList(v, "server URLs", func(s string) (string, string) {
		n, ok := NormalizeServer(s)
		if !ok {
			return "", "is not an http or https URL of a server"
		}
		return n, ""
	})
	return problem
}

// NormalizeServer returns a server URL in the form policies compare: scheme
// and host in lower case, without a default port, user info, query or
// trailing slash. ok is false for anything that is not an http(s) URL.
func NormalizeServer(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host + strings.TrimRight(u.EscapedPath(), "/"), true
}

func setBenchmarks(p *Policy, v *yaml.Node) string {
	if v.Kind != yaml.SequenceNode {
		return "must be a list of benchmark ids"
	}
	p.Benchmarks = []int64{}
	for _, item := range v.Content {
		var id int64
		if item = resolve(item); item.Kind != yaml.ScalarNode || item.Tag != "!!int" || item.Decode(&id) != nil || id <= 0 {
			return fmt.Sprintf("line %d: %q is not a benchmark id (a positive integer)", item.Line, item.Value)
		}
		p.Benchmarks = append(p.Benchmarks, id)
	}
	return ""
}

func setRuntimes(p *Policy, v *yaml.Node) string {
	var problem string
	p.Runtimes, problem = stringList(v, "runtime names", func(s string) (string, string) {
		if !slices.Contains(Runtimes, s) {
			return "", "is not a runtime; the runtimes are " + strings.Join(Runtimes, ", ")
		}
		return s, ""
	})
	return problem
}

func setMetrics(p *Policy, v *yaml.Node) string {
	var problem string
	p.Metrics, problem = stringList(v, "metric names", func(s string) (string, string) {
		if strings.TrimSpace(s) == "" {
			return "", "is empty"
		}
		if _, err := path.Match(s, ""); err != nil {
			return "", "is not a valid pattern (use * and ? as wildcards)"
		}
		return s, ""
	})
	return problem
}

func setMaxCPUs(p *Policy, v *yaml.Node) string {
	var f float64
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") || v.Decode(&f) != nil || !(f > 0) || math.IsInf(f, 0) {
		return "must be a positive number of CPUs (4, 0.5)"
	}
	p.MaxCPUs = f
	return ""
}

func setMaxMemory(p *Policy, v *yaml.Node) string {
	const want = "must be a positive size in bytes or with a unit (16g, 512m: units are binary, as docker --memory)"
	if v.Kind != yaml.ScalarNode {
		return want
	}
	if v.Tag == "!!int" {
		var n int64
		if v.Decode(&n) != nil || n <= 0 {
			return want
		}
		p.MaxMemory = n
		return ""
	}
	n, err := units.RAMInBytes(v.Value)
	if v.Tag != "!!str" || err != nil || n <= 0 {
		return want
	}
	p.MaxMemory = n
	return ""
}

func setMaxGPUs(p *Policy, v *yaml.Node) string {
	var n int
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 0 {
		return "must be a number of GPUs, 0 or more (0 forbids GPUs)"
	}
	p.MaxGPUs = n
	return ""
}

func setMaxTime(p *Policy, v *yaml.Node) string {
	d, err := time.ParseDuration(v.Value)
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || err != nil || d <= 0 {
		return "must be a positive duration (90m, 24h)"
	}
	p.MaxTime = d
	return ""
}

func setMinCases(p *Policy, v *yaml.Node) string {
	var n int64
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n < 0 {
		return "must be a number of cases, 0 or more"
	}
	p.MinCases = n
	return ""
}

func setBool(dst *bool, v *yaml.Node) string {
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(dst) != nil {
		return "must be true or false"
	}
	return ""
}
