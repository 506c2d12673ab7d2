package policy

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

// goodContainer is allowed by fullPolicy.
func goodContainer() Container {
	return Container{
		Name: "model 4 infer", Image: "acme/model:1.0", Digest: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		Signed: true, Runtime: "docker", CPUs: 2, Memory: 8 << 30, GPUs: 1, Timeout: time.Hour,
	}
}

func goodAction() Action {
	return Action{
		Server:     "https://registry.example.org:443/",
		Benchmark:  7,
		Containers: []Container{goodContainer()},
		Submission: &Submission{Metrics: []string{"dice", "auc_roc"}, Cases: 20},
	}
}

func TestDecideAllowsGoodAction(t *testing.T) {
	p := MustParse(t, fullPolicy)
	d := p.Decide(goodAction())
	if !d.Allowed() || d.Err() != nil {
		t.Fatalf("refused: %v", d.Err())
	}
	seen := map[string]bool{}
	for _, v := range d.Verdicts {
		if v.Outcome != Allowed || v.Line == 0 || v.File != "policy.yaml" {
			t.Errorf("verdict %+v", v)
		}
		seen[v.Rule] = true
	}
	for _, r := range Rules {
		if r != RulePrivateURLs && !seen[r] {
			t.Errorf("rule %s gave no verdict", r)
		}
	}
}

func TestDecideRefusals(t *testing.T) {
	p := MustParse(t, fullPolicy)
	cases := []struct {
		name, rule string
		line       int
		edit       func(a *Action)
	}{
		{"other server", RuleServers, 2, func(a *Action) { a.Server = "https://evil.example.org" }},
		{"server over http", RuleServers, 2, func(a *Action) { a.Server = "http://registry.example.org" }},
		{"other benchmark", RuleBenchmarks, 4, func(a *Action) { a.Benchmark = 8 }},
		{"image elsewhere", RuleImages, 5, func(a *Action) { a.Containers[0].Image = "docker.io/acmecorp/model"; a.Containers[0].Digest = "" }},
		{"image prefix is per component", RuleImages, 5, func(a *Action) { a.Containers[0].Image = "registry.example.org:5000/teamx/m" }},
		{"archive url without digest", RuleImages, 5, func(a *Action) {
			a.Containers[0].Image = "https://example.org/model.tar.gpg"
			a.Containers[0].Digest = ""
		}},
		{"runtime", RuleRuntimes, 9, func(a *Action) { a.Containers[0].Runtime = "local" }},
		{"too many cpus", RuleMaxCPUs, 10, func(a *Action) { a.Containers[0].CPUs = 4.5 }},
		{"no cpu limit", RuleMaxCPUs, 10, func(a *Action) { a.Containers[0].CPUs = 0 }},
		{"too much memory", RuleMaxMemory, 11, func(a *Action) { a.Containers[0].Memory = 17 << 30 }},
		{"no memory limit", RuleMaxMemory, 11, func(a *Action) { a.Containers[0].Memory = 0 }},
		{"too many gpus", RuleMaxGPUs, 12, func(a *Action) { a.Containers[0].GPUs = 2 }},
		{"all gpus", RuleMaxGPUs, 12, func(a *Action) { a.Containers[0].GPUs = -1 }},
		{"too long", RuleMaxTime, 13, func(a *Action) { a.Containers[0].Timeout = 7 * time.Hour }},
		{"no timeout", RuleMaxTime, 13, func(a *Action) { a.Containers[0].Timeout = 0 }},
		{"private url", RulePrivateURLs, 14, func(a *Action) { a.PrivateURLs = []string{"http://10.0.0.5/params.yaml"} }},
		{"metric not allowed", RuleMetrics, 15, func(a *Action) { a.Submission.Metrics = append(a.Submission.Metrics, "patient_ids") }},
		{"too few cases", RuleMinCases, 16, func(a *Action) { a.Submission.Cases = 19 }},
		{"unknown cases", RuleMinCases, 16, func(a *Action) { a.Submission.Cases = -1 }},
		{"unsigned", RuleUnsignedContainers, 17, func(a *Action) { a.Containers[0].Signed = false }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := goodAction()
			a.Containers = []Container{goodContainer()}
			a.Submission = &Submission{Metrics: []string{"dice"}, Cases: 20}
			c.edit(&a)
			d := p.Decide(a)
			refusals := d.Refusals()
			if d.Allowed() || len(refusals) != 1 {
				t.Fatalf("refusals = %v, want exactly one", refusals)
			}
			r := refusals[0]
			if r.Rule != c.rule || r.Line != c.line || r.Reason == "" {
				t.Fatalf("refusal = %+v, want rule %s line %d", r, c.rule, c.line)
			}
			err := d.Err()
			if medperf.ErrorCode(err) != medperf.CodeForbidden {
				t.Fatalf("Err() = %v, want forbidden", err)
			}
			if want := "policy.yaml:" + strconv.Itoa(c.line) + ": " + c.rule; !strings.Contains(err.Error(), want) {
				t.Fatalf("message %q does not name %q", err, want)
			}
		})
	}
}

func TestDecideImageRules(t *testing.T) {
	p := MustParse(t, "images:\n  - "+digestA+"\n  - ghcr.io/org\n")
	for name, c := range map[string]struct {
		image, digest string
		ok            bool
	}{
		"digest rule, digest field":       {"anything:latest", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true},
		"digest rule, digest in ref":      {"docker.io/x/y@" + digestA, "", true},
		"digest rule, archive URL":        {"https://example.org/model.tar.gpg", digestA, true},
		"prefix rule, sub repository":     {"ghcr.io/org/team/model:v2", "", true},
		"prefix rule, exact":              {"ghcr.io/org", "", true},
		"prefix rule, sibling":            {"ghcr.io/organisation/model", "", false},
		"other digest":                    {"docker.io/x/y", "sha256:" + strings.Repeat("c", 64), false},
		"hub short name not under prefix": {"org/model", "", false},
	} {
		t.Run(name, func(t *testing.T) {
			d := p.Decide(Action{Containers: []Container{{Name: "m", Image: c.image, Digest: c.digest, Runtime: "docker"}}})
			if d.Allowed() != c.ok {
				t.Fatalf("allowed = %v, want %v: %v", d.Allowed(), c.ok, d.Verdicts)
			}
		})
	}
}

func TestDecideEachContainer(t *testing.T) {
	p := MustParse(t, "runtimes: [docker]\n")
	good, bad := goodContainer(), goodContainer()
	bad.Name, bad.Runtime = "evaluator 2 evaluate", "local"
	d := p.Decide(Action{Containers: []Container{good, bad}})
	if r := d.Refusals(); len(r) != 1 || r[0].Subject != "evaluator 2 evaluate" {
		t.Fatalf("refusals = %v", r)
	}
}

// TestDefaultPolicyAllowsTodaysDefaults: without a policy, what medperf
// does today (no limits given, all GPUs, private URLs, unsigned images, any
// metric, unknown case count) stays allowed.
func TestDefaultPolicyAllowsTodaysDefaults(t *testing.T) {
	a := Action{
		Server: "http://127.0.0.1:8000", Benchmark: 1, PrivateURLs: []string{"http://127.0.0.1:8000/x"},
		Containers: []Container{{Name: "prep", Image: "ubuntu", Runtime: "local", GPUs: -1}},
		Submission: &Submission{Metrics: []string{"anything"}, Cases: -1},
	}
	for name, p := range map[string]*Policy{"Default": Default(), "empty file": MustParse(t, "")} {
		t.Run(name, func(t *testing.T) {
			d := p.Decide(a)
			if !d.Allowed() || len(d.Verdicts) == 0 {
				t.Fatalf("refused: %v", d.Err())
			}
			for _, v := range d.Verdicts {
				if v.Line != 0 || !strings.HasPrefix(v.String(), "default: ") {
					t.Fatalf("verdict %q should come from a default", v)
				}
			}
		})
	}
}

func TestExplain(t *testing.T) {
	p := MustParse(t, fullPolicy)
	t.Run("empty action describes every rule", func(t *testing.T) {
		vs := p.Explain(Action{})
		if len(vs) != len(Rules) {
			t.Fatalf("%d verdicts, want one per rule", len(vs))
		}
		for i, v := range vs {
			if v.Rule != Rules[i] || v.Outcome != NotChecked || v.Reason == "" || v.Line == 0 {
				t.Fatalf("verdict %d = %+v", i, v)
			}
		}
		if !strings.Contains(vs[2].Reason, digestA) || !strings.Contains(vs[5].Reason, "16GiB") {
			t.Fatalf("explanations do not show the rules: %q, %q", vs[2].Reason, vs[5].Reason)
		}
	})
	t.Run("mixed action", func(t *testing.T) {
		a := goodAction()
		a.Benchmark = 99
		vs := p.Explain(a)
		var allowed, refused, notChecked int
		for _, v := range vs {
			switch v.Outcome {
			case Allowed:
				allowed++
			case Refused:
				refused++
				if v.Rule != RuleBenchmarks {
					t.Errorf("unexpected refusal %v", v)
				}
			case NotChecked:
				notChecked++
			}
		}
		if refused != 1 || notChecked != 1 || allowed != len(Rules)-2 {
			t.Fatalf("allowed %d refused %d not checked %d", allowed, refused, notChecked)
		}
	})
}

func TestNilPolicyIsDefault(t *testing.T) {
	var p *Policy
	a := Action{Containers: []Container{{Name: "m", Image: "ubuntu", Runtime: "docker", GPUs: -1}}, PrivateURLs: []string{"http://10.0.0.1"}}
	if d := p.Decide(a); !d.Allowed() {
		t.Fatalf("nil policy refused: %v", d.Err())
	}
	if d := (&Policy{}).Decide(a); d.Allowed() {
		t.Fatal("the zero Policy allowed all GPUs and a private URL")
	}
}

func TestUnsignedContainersSaysWhy(t *testing.T) {
	strict := MustParse(t, "# signed only\nunsigned_containers: false\n")
	lenient := MustParse(t, "unsigned_containers: true\n")
	for _, tt := range []struct {
		name    string
		p       *Policy
		c       Container
		allowed bool
		reason  string
	}{
		{"a signed container", strict, Container{Name: "m", Signed: true, SignedBy: "SHA256:abc"}, true, "SHA256:abc"},
		{"an unsigned container", strict, Container{Name: "m"}, false, "not signed by its owner"},
		{"a badly signed container", strict, Container{Name: "m", Unsigned: "the signed config differs"}, false, "does not verify (the signed config differs)"},
		{"a badly signed container where unsigned ones may run", lenient, Container{Name: "m", Unsigned: "bad"}, true, "does not verify (bad)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.p.Decide(Action{Containers: []Container{tt.c}})
			var v *Verdict
			for i := range d.Verdicts {
				if d.Verdicts[i].Rule == RuleUnsignedContainers {
					v = &d.Verdicts[i]
				}
			}
			if v == nil || (v.Outcome == Allowed) != tt.allowed || !strings.Contains(v.Reason, tt.reason) {
				t.Fatalf("verdict %+v; want allowed=%v with %q", v, tt.allowed, tt.reason)
			}
			if !tt.allowed && (v.Line != 2 || medperf.ErrorCode(d.Err()) != medperf.CodeForbidden || !strings.Contains(d.Err().Error(), "policy.yaml:2: unsigned_containers")) {
				t.Errorf("refusal %v at line %d; want forbidden naming policy.yaml:2", d.Err(), v.Line)
			}
		})
	}
}
