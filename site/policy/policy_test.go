package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

const fullPolicy = `# a hospital's policy
servers:
  - https://Registry.Example.org/
benchmarks: [3, 7]
images:
  - ` + digestA + `
  - docker.io/acme
  - registry.example.org:5000/team/
runtimes: [docker, apptainer]
max_cpus: 4
max_memory: 16g
max_gpus: 1
max_time: 6h
private_urls: false
metrics: [dice, "auc_*"]
min_cases: 20
unsigned_containers: false
`

// MustParse parses text or fails tb.
func MustParse(tb testing.TB, text string) *Policy {
	tb.Helper()
	p, err := Parse([]byte(text), "policy.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestParseFullPolicy(t *testing.T) {
	p := MustParse(t, fullPolicy)
	if len(p.Servers) != 1 || p.Servers[0] != "https://registry.example.org" {
		t.Errorf("servers = %q", p.Servers)
	}
	if len(p.Benchmarks) != 2 || p.Benchmarks[1] != 7 {
		t.Errorf("benchmarks = %v", p.Benchmarks)
	}
	if len(p.Images) != 3 || p.Images[0].Digest != digestA || p.Images[1].Prefix != "docker.io/acme" || p.Images[2].Prefix != "registry.example.org:5000/team" {
		t.Errorf("images = %+v", p.Images)
	}
	if p.MaxCPUs != 4 || p.MaxMemory != 16<<30 || p.MaxGPUs != 1 || p.MaxTime != 6*time.Hour {
		t.Errorf("caps = %v %v %v %v", p.MaxCPUs, p.MaxMemory, p.MaxGPUs, p.MaxTime)
	}
	if p.PrivateURLs || p.UnsignedContainers || p.MinCases != 20 || len(p.Metrics) != 2 || len(p.Runtimes) != 2 {
		t.Errorf("policy = %+v", p)
	}
	for rule, line := range map[string]int{RuleServers: 2, RuleBenchmarks: 4, RuleImages: 5, RuleMaxCPUs: 10, RuleUnsignedContainers: 17} {
		if p.Line(rule) != line {
			t.Errorf("line of %s = %d, want %d", rule, p.Line(rule), line)
		}
	}
}

func TestParseEmptyIsDefault(t *testing.T) {
	for name, text := range map[string]string{"empty": "", "comment": "# nothing yet\n", "null": "~\n"} {
		t.Run(name, func(t *testing.T) {
			p := MustParse(t, text)
			d := Default()
			if p.MaxGPUs != d.MaxGPUs || !p.PrivateURLs || !p.UnsignedContainers || p.MaxCPUs != 0 || p.MinCases != 0 {
				t.Fatalf("policy = %+v, want the default", p)
			}
			for _, r := range Rules {
				if p.IsSet(r) {
					t.Fatalf("%s is set", r)
				}
			}
		})
	}
}

func TestParseErrorsNameLineAndKey(t *testing.T) {
	cases := []struct {
		name, text, key string
		line            int
	}{
		{"unknown key", "servers: [https://a.org]\nmax_cpu: 4\n", "max_cpu", 2},
		{"duplicate key", "max_cpus: 2\nmax_cpus: 4\n", "max_cpus", 2},
		{"null value", "images:\n", "images", 1},
		{"server not URL", "servers:\n  - https://a.org\n  - ftp://b.org\n", "servers", 1},
		{"server scalar", "servers: https://a.org\n", "servers", 1},
		{"benchmark negative", "benchmarks: [1, -2]\n", "benchmarks", 1},
		{"benchmark string", "benchmarks: [one]\n", "benchmarks", 1},
		{"image short digest", "images: [sha256:abc]\n", "images", 1},
		{"image upper digest", "images: [sha256:" + strings.Repeat("A", 64) + "]\n", "images", 1},
		{"image with tag", "images: [docker.io/acme/model:1.0]\n", "images", 1},
		{"image without registry", "images: [acme/model]\n", "images", 1},
		{"image with digest ref", "images: [docker.io/acme@" + digestA + "]\n", "images", 1},
		{"runtime unknown", "runtimes: [docker, kubernetes]\n", "runtimes", 1},
		{"cpus zero", "max_cpus: 0\n", "max_cpus", 1},
		{"cpus string", "max_cpus: four\n", "max_cpus", 1},
		{"cpus infinite", "max_cpus: .inf\n", "max_cpus", 1},
		{"memory bad unit", "max_memory: 16 parsecs\n", "max_memory", 1},
		{"memory zero", "max_memory: 0\n", "max_memory", 1},
		{"gpus negative", "max_gpus: -1\n", "max_gpus", 1},
		{"time number", "max_time: 3600\n", "max_time", 1},
		{"time negative", "max_time: -1h\n", "max_time", 1},
		{"private not bool", "private_urls: sometimes\n", "private_urls", 1},
		{"metrics bad pattern", "metrics: [\"dice[\"]\n", "metrics", 1},
		{"metrics empty name", "metrics: [\"\"]\n", "metrics", 1},
		{"min cases negative", "min_cases: -5\n", "min_cases", 1},
		{"unsigned not bool", "\n\nunsigned_containers: 1\n", "unsigned_containers", 3},
		{"list of maps", "runtimes:\n  - name: docker\n", "runtimes", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.text), "policy.yaml")
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("error %v, want invalid", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v has no ParseError", err)
			}
			if pe.Key != c.key || pe.File != "policy.yaml" || (c.line > 0 && pe.Line < c.line) {
				t.Fatalf("ParseError = %+v, want key %s at line >= %d", pe, c.key, c.line)
			}
			if !strings.HasPrefix(err.Error(), "policy.yaml:") || !strings.Contains(err.Error(), ": "+c.key+": ") {
				t.Fatalf("message %q does not start with the key and file:line", err)
			}
		})
	}
}

func TestParseRefusesBadYAML(t *testing.T) {
	for name, text := range map[string]string{
		"syntax":   "servers: [\n",
		"sequence": "- servers\n",
		"scalar":   "hello\n",
		"map key":  "? [a, b]\n: 1\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(text), "p.yaml")
			var pe *ParseError
			if medperf.ErrorCode(err) != medperf.CodeInvalid || !errors.As(err, &pe) {
				t.Fatalf("error %v, want invalid with a ParseError", err)
			}
		})
	}
	_, err := Parse(make([]byte, MaxFileSize+1), "p.yaml")
	if medperf.ErrorCode(err) != medperf.CodeTooLarge {
		t.Fatalf("oversized policy: %v", err)
	}
}

func TestParseFollowsAliases(t *testing.T) {
	p := MustParse(t, "metrics: [&m dice, *m]\n")
	if len(p.Metrics) != 2 || p.Metrics[1] != "dice" {
		t.Fatalf("metrics = %v, want the alias resolved", p.Metrics)
	}
	_, err := Parse([]byte("runtimes: &rt [docker]\nmetrics: [*rt]\n"), "p.yaml")
	if medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("a list inside a list: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	_, err := Load(path)
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		t.Fatalf("Load of a missing file: %v", err)
	}
	p, err := LoadOrDefault(path)
	if err != nil || p.File != path || !p.UnsignedContainers || p.MaxGPUs != -1 {
		t.Fatalf("LoadOrDefault of a missing file = %+v, %v", p, err)
	}
	if err := os.WriteFile(path, []byte("max_cpus: 2\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadOrDefault(path)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path || pe.Line != 2 || pe.Key != "bogus" {
		t.Fatalf("LoadOrDefault of a bad file: %v", err)
	}
	if err := os.WriteFile(path, []byte(fullPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = Load(path)
	if err != nil || p.MaxCPUs != 4 {
		t.Fatalf("Load = %+v, %v", p, err)
	}
	_, err = Load(dir)
	if medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("Load of a directory: %v", err)
	}
}

func TestNormalizeServer(t *testing.T) {
	for in, want := range map[string]string{
		"https://Example.org":          "https://example.org",
		"https://example.org:443/":     "https://example.org",
		"http://example.org:80":        "http://example.org",
		"http://127.0.0.1:8080/api/":   "http://127.0.0.1:8080/api",
		"https://[::1]:8443":           "https://[::1]:8443",
		"HTTPS://example.org/medperf/": "https://example.org/medperf",
	} {
		if got, ok := NormalizeServer(in); !ok || got != want {
			t.Errorf("NormalizeServer(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "example.org", "ftp://example.org", "https://user@example.org", "https://example.org/?x=1", "https://"} {
		if got, ok := NormalizeServer(bad); ok {
			t.Errorf("NormalizeServer(%q) = %q, want refusal", bad, got)
		}
	}
}

func TestRepository(t *testing.T) {
	for in, want := range map[string]string{
		"ubuntu":                        "docker.io/library/ubuntu",
		"ubuntu:22.04":                  "docker.io/library/ubuntu",
		"acme/model:1.0":                "docker.io/acme/model",
		"docker.io/ubuntu":              "docker.io/library/ubuntu",
		"index.docker.io/acme/model":    "docker.io/acme/model",
		"docker://ghcr.io/org/model:v1": "ghcr.io/org/model",
		"registry.example.org:5000/team/model@" + digestA: "registry.example.org:5000/team/model",
		"localhost/model": "localhost/model",
	} {
		if got, ok := Repository(in); !ok || got != want {
			t.Errorf("Repository(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "https://example.org/model.tar.gz", "/tmp/model.sif", "./model.sif", "Acme/Model"} {
		if got, ok := Repository(bad); ok {
			t.Errorf("Repository(%q) = %q, want not a registry image", bad, got)
		}
	}
}
