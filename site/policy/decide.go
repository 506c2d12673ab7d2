package policy

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"

	"github.com/medperf/medperf"
)

// Action is what the site is about to do, described by the caller. Zero
// parts are not checked: the CLI checks the servers and benchmark at
// login/association, the containers before the first one starts, and the
// submission before anything is sent (or all at once for `policy check`).
type Action struct {
	// Server is the registry URL ("" to skip the servers rule).
	Server string
	// Benchmark is the benchmark id (0 to skip the benchmarks rule).
	Benchmark int64
	// PrivateURLs are the URLs the action would fetch that resolve to
	// private, loopback, link-local or unique-local addresses. The caller
	// resolves them (this package does no I/O); the private_urls rule
	// refuses them.
	PrivateURLs []string
	// Containers are the tasks that would start.
	Containers []Container
	// Submission is what would be sent to the registry; nil when nothing is.
	Submission *Submission
}

// Container is one task that would start.
type Container struct {
	// Name says which container and task, for messages ("model 4 infer").
	Name string
	// Image is the image reference as configured (repo:tag, repo@digest,
	// or an archive URL).
	Image string
	// Digest is the image's verified sha256 digest, with or without
	// "sha256:"; "" when unknown (a digest in Image is used then).
	Digest string
	// Signed reports whether the container's signature by its owner was
	// verified against the owner's registered keys and the hashes that
	// would run (docs/trust.md); SignedBy is the signing key's
	// fingerprint. Unsigned says why a container that carries a signature
	// does not count as signed ("" when it carries none).
	Signed   bool
	SignedBy string
	Unsigned string
	// Runtime is the runtime that would run it (docker, podman, ...).
	Runtime string
	// CPUs, Memory (bytes) and Timeout are the limits the task would run
	// with; 0 means unlimited and is refused by a cap.
	CPUs    float64
	Memory  int64
	Timeout time.Duration
	// GPUs is the number of GPUs; -1 means all of the machine's.
	GPUs int
}

// Submission is a result about to be sent.
type Submission struct {
	// Metrics are the names of the metrics that would leave the site; the
	// caller names nested metrics by their dotted path ("dice.mean").
	Metrics []string
	// Cases is the number of cases the result covers; negative if unknown.
	Cases int64
}

// Outcome is a rule's verdict on an action.
type Outcome string

// The outcomes.
const (
	Allowed    Outcome = "allowed"
	Refused    Outcome = "refused"
	NotChecked Outcome = "not checked" // the action has nothing this rule is about
)

// Verdict is one rule's answer about one thing.
type Verdict struct {
	// Rule is the rule's name (a policy.yaml key).
	Rule string
	// File and Line locate the rule; Line is 0 when the default applies.
	File string
	Line int
	// Subject is what was checked ("server https://x", "model 4 infer").
	Subject string
	Outcome Outcome
	// Reason explains the outcome in a sentence.
	Reason string
}

// String returns "file:line: rule: subject: outcome: reason" (the location
// is "default" for a rule the file does not set).
func (v Verdict) String() string {
	loc := "default"
	if v.Line > 0 {
		loc = v.File + ":" + strconv.Itoa(v.Line)
	}
	s := loc + ": " + v.Rule + ": "
	if v.Subject != "" {
		s += v.Subject + ": "
	}
	return s + string(v.Outcome) + ": " + v.Reason
}

// Decision is the policy's answer about an action: one verdict per rule and
// thing checked, never NotChecked.
type Decision struct {
	Verdicts []Verdict
}

// Allowed reports whether no rule refused the action.
func (d Decision) Allowed() bool { return len(d.Refusals()) == 0 }

// Refusals returns the verdicts that refuse the action, in rule order.
func (d Decision) Refusals() []Verdict {
	var out []Verdict
	for _, v := range d.Verdicts {
		if v.Outcome == Refused {
			out = append(out, v)
		}
	}
	return out
}

// Err returns nil when the action is allowed, else a CodeForbidden
// *medperf.Error whose message lists every refusal with its rule and line,
// and says that the site's policy file decides.
func (d Decision) Err() error {
	refusals := d.Refusals()
	if len(refusals) == 0 {
		return nil
	}
	lines := make([]string, len(refusals))
	for i, r := range refusals {
		lines[i] = "  " + r.String()
	}
	return medperf.Errorf(medperf.CodeForbidden, "the site policy refuses this (edit the policy file to change it):\n%s", strings.Join(lines, "\n"))
}

// Decide checks a against p and returns the verdicts of every rule the
// action touches. It never fails: a refusal is a verdict.
func (p *Policy) Decide(a Action) Decision {
	var d Decision
	for _, v := range p.Explain(a) {
		if v.Outcome != NotChecked {
			d.Verdicts = append(d.Verdicts, v)
		}
	}
	return d
}

// Explain returns, for every rule in Rules order, what it says about a:
// allowed or refused and why for what a touches, and for the rest what the
// rule would allow (Outcome NotChecked). `medperf policy check` prints it.
func (p *Policy) Explain(a Action) []Verdict {
	if p == nil {
		p = Default()
	}
	var out []Verdict
	for _, rule := range Rules {
		vs := checks[rule](p, a)
		for i := range vs {
			vs[i].Rule, vs[i].File, vs[i].Line = rule, p.File, p.Line(rule)
		}
		out = append(out, vs...)
	}
	return out
}

var checks = map[string]func(p *Policy, a Action) []Verdict{
	RuleServers:            checkServers,
	RuleBenchmarks:         checkBenchmarks,
	RuleImages:             perContainer(checkImage, describeImages),
	RuleRuntimes:           perContainer(checkRuntime, describeRuntimes),
	RuleMaxCPUs:            perContainer(checkCPUs, describeCPUs),
	RuleMaxMemory:          perContainer(checkMemory, describeMemory),
	RuleMaxGPUs:            perContainer(checkGPUs, describeGPUs),
	RuleMaxTime:            perContainer(checkTime, describeTime),
	RulePrivateURLs:        checkPrivateURLs,
	RuleMetrics:            checkMetrics,
	RuleMinCases:           checkMinCases,
	RuleUnsignedContainers: perContainer(checkSigned, describeSigned),
}

func verdict(ok bool, subject, reason string) Verdict {
	if ok {
		return Verdict{Subject: subject, Outcome: Allowed, Reason: reason}
	}
	return Verdict{Subject: subject, Outcome: Refused, Reason: reason}
}

func notChecked(reason string) []Verdict {
	return []Verdict{{Outcome: NotChecked, Reason: reason}}
}

// perContainer applies check to each container, or describes the rule
// when the action starts none.
func perContainer(check func(p *Policy, c Container) (bool, string), describe func(p *Policy) string) func(*Policy, Action) []Verdict {
	return func(p *Policy, a Action) []Verdict {
		if len(a.Containers) == 0 {
			return notChecked(describe(p))
		}
		out := make([]Verdict, 0, len(a.Containers))
		for _, c := range a.Containers {
			ok, reason := check(p, c)
			out = append(out, verdict(ok, c.Name, reason))
		}
		return out
	}
}

func checkServers(p *Policy, a Action) []Verdict {
	if a.Server == "" {
		if !p.IsSet(RuleServers) {
			return notChecked("any server is allowed")
		}
		return notChecked("allowed servers: " + list(p.Servers))
	}
	subject := "server " + a.Server
	if !p.IsSet(RuleServers) {
		return []Verdict{verdict(true, subject, "the policy does not restrict servers")}
	}
	n, ok := NormalizeServer(a.Server)
	if ok && slices.Contains(p.Servers, n) {
		return []Verdict{verdict(true, subject, "the server is listed")}
	}
	return []Verdict{verdict(false, subject, "the server is not among the allowed servers: "+list(p.Servers))}
}

func checkBenchmarks(p *Policy, a Action) []Verdict {
	ids := make([]string, len(p.Benchmarks))
	for i, id := range p.Benchmarks {
		ids[i] = strconv.FormatInt(id, 10)
	}
	if a.Benchmark == 0 {
		if !p.IsSet(RuleBenchmarks) {
			return notChecked("any benchmark is allowed")
		}
		return notChecked("allowed benchmarks: " + list(ids))
	}
	subject := "benchmark " + strconv.FormatInt(a.Benchmark, 10)
	if !p.IsSet(RuleBenchmarks) {
		return []Verdict{verdict(true, subject, "the policy does not restrict benchmarks")}
	}
	if slices.Contains(p.Benchmarks, a.Benchmark) {
		return []Verdict{verdict(true, subject, "the benchmark is listed")}
	}
	return []Verdict{verdict(false, subject, "the benchmark is not among the allowed benchmarks: "+list(ids))}
}

func checkImage(p *Policy, c Container) (bool, string) {
	if !p.IsSet(RuleImages) {
		return true, "the policy does not restrict images"
	}
	digest := NormalizeDigest(c.Digest)
	if _, d, ok := strings.Cut(c.Image, "@"); ok && digest == "" {
		digest = NormalizeDigest(d)
	}
	for _, r := range p.Images {
		if r.match(c.Image, digest) {
			return true, fmt.Sprintf("image %s matches %s", imageName(c.Image, digest), r)
		}
	}
	return false, fmt.Sprintf("image %s matches no allowed image (%s)", imageName(c.Image, digest), list(imageStrings(p.Images)))
}

func imageName(ref, digest string) string {
	switch {
	case ref == "":
		return digest
	case digest == "" || strings.Contains(ref, digest):
		return ref
	}
	return ref + " (" + digest + ")"
}

func imageStrings(rs []ImageRule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

func describeImages(p *Policy) string {
	if !p.IsSet(RuleImages) {
		return "any image is allowed"
	}
	return "allowed images: " + list(imageStrings(p.Images))
}

func checkRuntime(p *Policy, c Container) (bool, string) {
	if !p.IsSet(RuleRuntimes) {
		return true, "the policy does not restrict runtimes"
	}
	if slices.Contains(p.Runtimes, c.Runtime) {
		return true, "runtime " + c.Runtime + " is listed"
	}
	return false, fmt.Sprintf("runtime %q is not among the allowed runtimes: %s", c.Runtime, list(p.Runtimes))
}

func describeRuntimes(p *Policy) string {
	if !p.IsSet(RuleRuntimes) {
		return "any runtime is allowed"
	}
	return "allowed runtimes: " + list(p.Runtimes)
}

func fmtCPUs(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func checkCPUs(p *Policy, c Container) (bool, string) {
	switch {
	case p.MaxCPUs == 0:
		return true, "the policy does not cap CPUs"
	case c.CPUs <= 0:
		return false, "the task would run without a CPU limit; at most " + fmtCPUs(p.MaxCPUs) + " CPUs are allowed (set --cpus)"
	case c.CPUs > p.MaxCPUs:
		return false, "the task asks for " + fmtCPUs(c.CPUs) + " CPUs; at most " + fmtCPUs(p.MaxCPUs) + " are allowed"
	}
	return true, fmtCPUs(c.CPUs) + " CPUs is within " + fmtCPUs(p.MaxCPUs)
}

func describeCPUs(p *Policy) string {
	if p.MaxCPUs == 0 {
		return "no CPU cap"
	}
	return "at most " + fmtCPUs(p.MaxCPUs) + " CPUs per task"
}

func size(b int64) string { return units.BytesSize(float64(b)) }

func checkMemory(p *Policy, c Container) (bool, string) {
	switch {
	case p.MaxMemory == 0:
		return true, "the policy does not cap memory"
	case c.Memory <= 0:
		return false, "the task would run without a memory limit; at most " + size(p.MaxMemory) + " is allowed (set --memory)"
	case c.Memory > p.MaxMemory:
		return false, "the task asks for " + size(c.Memory) + " of memory; at most " + size(p.MaxMemory) + " is allowed"
	}
	return true, size(c.Memory) + " is within " + size(p.MaxMemory)
}

func describeMemory(p *Policy) string {
	if p.MaxMemory == 0 {
		return "no memory cap"
	}
	return "at most " + size(p.MaxMemory) + " of memory per task"
}

func checkGPUs(p *Policy, c Container) (bool, string) {
	switch {
	case p.MaxGPUs < 0:
		return true, "the policy does not cap GPUs"
	case c.GPUs == 0:
		return true, "the task uses no GPU"
	case c.GPUs < 0:
		return false, fmt.Sprintf("the task asks for all GPUs; at most %d are allowed", p.MaxGPUs)
	case c.GPUs > p.MaxGPUs:
		return false, fmt.Sprintf("the task asks for %d GPUs; at most %d are allowed", c.GPUs, p.MaxGPUs)
	}
	return true, fmt.Sprintf("%d GPUs is within %d", c.GPUs, p.MaxGPUs)
}

func describeGPUs(p *Policy) string {
	switch {
	case p.MaxGPUs < 0:
		return "no GPU cap (GPUs only when a task asks)"
	case p.MaxGPUs == 0:
		return "no GPUs"
	}
	return fmt.Sprintf("at most %d GPUs per task", p.MaxGPUs)
}

func checkTime(p *Policy, c Container) (bool, string) {
	switch {
	case p.MaxTime == 0:
		return true, "the policy does not cap task time"
	case c.Timeout <= 0:
		return false, "the task would run without a timeout; at most " + p.MaxTime.String() + " is allowed"
	case c.Timeout > p.MaxTime:
		return false, "the task's timeout is " + c.Timeout.String() + "; at most " + p.MaxTime.String() + " is allowed"
	}
	return true, "timeout " + c.Timeout.String() + " is within " + p.MaxTime.String()
}

func describeTime(p *Policy) string {
	if p.MaxTime == 0 {
		return "no cap on task time (each task has its default timeout)"
	}
	return "at most " + p.MaxTime.String() + " per task"
}

func checkSigned(p *Policy, c Container) (bool, string) {
	why := "the container is not signed by its owner"
	if c.Unsigned != "" {
		why = "the container's signature does not verify (" + c.Unsigned + ")"
	}
	switch {
	case c.Signed:
		return true, "signed by its owner's key " + c.SignedBy
	case p.UnsignedContainers:
		return true, why + "; unsigned containers are allowed"
	}
	return false, why + " and the policy allows only signed containers"
}

func describeSigned(p *Policy) string {
	if p.UnsignedContainers {
		return "unsigned containers may run"
	}
	return "only signed containers may run"
}

func checkPrivateURLs(p *Policy, a Action) []Verdict {
	if len(a.PrivateURLs) == 0 {
		if p.PrivateURLs {
			return notChecked("URLs to private addresses may be fetched")
		}
		return notChecked("URLs to private addresses are refused")
	}
	out := make([]Verdict, 0, len(a.PrivateURLs))
	for _, u := range a.PrivateURLs {
		if p.PrivateURLs {
			out = append(out, verdict(true, "URL "+u, "URLs to private addresses are allowed"))
		} else {
			out = append(out, verdict(false, "URL "+u, "the URL points to a private address and the policy refuses those"))
		}
	}
	return out
}

func checkMetrics(p *Policy, a Action) []Verdict {
	if a.Submission == nil {
		if !p.IsSet(RuleMetrics) {
			return notChecked("any metric may leave the site")
		}
		return notChecked("metrics that may leave the site: " + list(p.Metrics))
	}
	if !p.IsSet(RuleMetrics) {
		return []Verdict{verdict(true, "metrics", "the policy does not restrict metrics")}
	}
	var refused []string
	for _, m := range a.Submission.Metrics {
		if !metricAllowed(p.Metrics, m) {
			refused = append(refused, m)
		}
	}
	if len(refused) > 0 {
		return []Verdict{verdict(false, "metrics", "these metrics may not leave the site: "+list(refused)+" (allowed: "+list(p.Metrics)+")")}
	}
	return []Verdict{verdict(true, "metrics", "every metric is allowed")}
}

func metricAllowed(patterns []string, name string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

func checkMinCases(p *Policy, a Action) []Verdict {
	if a.Submission == nil {
		return notChecked(fmt.Sprintf("a result must cover at least %d cases", p.MinCases))
	}
	c := a.Submission.Cases
	switch {
	case p.MinCases == 0:
		return []Verdict{verdict(true, "cases", "the policy sets no minimum")}
	case c < 0:
		return []Verdict{verdict(false, "cases", fmt.Sprintf("the number of cases is unknown; at least %d are required", p.MinCases))}
	case c < p.MinCases:
		return []Verdict{verdict(false, "cases", fmt.Sprintf("the result covers %d cases; at least %d are required", c, p.MinCases))}
	}
	return []Verdict{verdict(true, "cases", fmt.Sprintf("%d cases is at least %d", c, p.MinCases))}
}

func list(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
