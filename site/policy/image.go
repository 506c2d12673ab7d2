package policy

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ImageRule allows images: either one image by digest, or every image
// whose repository is Prefix or lies under it.
type ImageRule struct {
	// Digest is "sha256:<64 hex>" for a digest rule, "" otherwise.
	Digest string
	// Prefix is a normalized repository prefix ("docker.io/acme",
	// "registry.example.org:5000/team/model") for a prefix rule.
	Prefix string
}

// String returns the rule as written in a policy.
func (r ImageRule) String() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Prefix
}

var (
	digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	hexPattern    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// repoPattern is a registry host (with an optional port) and at least
	// one lower-case path component.
	repoPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$`)
)

func setImages(p *Policy, v *yaml.Node) string {
	items, problem := stringList(v, "image digests (sha256:...) or repository prefixes", func(s string) (string, string) {
		r, problem := parseImageRule(s)
		return r.String(), problem
	})
	if problem != "" {
		return problem
	}
	p.Images = []ImageRule{}
	for _, s := range items {
		r, _ := parseImageRule(s)
		p.Images = append(p.Images, r)
	}
	return ""
}

func parseImageRule(s string) (ImageRule, string) {
	if strings.HasPrefix(s, "sha256:") {
		if !digestPattern.MatchString(s) {
			return ImageRule{}, "is not a digest: write sha256: and 64 lower-case hex digits"
		}
		return ImageRule{Digest: s}, ""
	}
	s = strings.TrimRight(s, "/")
	if strings.ContainsAny(s, "@") || strings.Contains(lastComponent(s), ":") {
		return ImageRule{}, "names a tag or digest; a prefix is a registry or repository without a tag (docker.io/acme)"
	}
	host, _, _ := strings.Cut(s, "/")
	if !repoPattern.MatchString(s) || !looksLikeRegistry(host) {
		return ImageRule{}, "is not a repository prefix: start with the registry host (docker.io/acme, ghcr.io/org/model)"
	}
	return ImageRule{Prefix: s}, ""
}

func lastComponent(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return ""
}

// looksLikeRegistry reports whether the first component of a reference is
// a registry host rather than a Docker Hub namespace.
func looksLikeRegistry(first string) bool {
	return strings.ContainsAny(first, ".:") || first == "localhost"
}

// Repository returns the normalized repository of an image reference, the
// form prefix rules match: Docker Hub short names get their registry
// ("ubuntu" -> "docker.io/library/ubuntu", "acme/model" ->
// "docker.io/acme/model"), tag and digest are dropped. ok is false for
// references that are not registry images (archive URLs, file paths).
func Repository(ref string) (string, bool) {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "docker://")
	if ref == "" || strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, ".") {
		return "", false
	}
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if last := strings.LastIndex(ref, "/"); strings.LastIndex(ref, ":") > last {
		ref = ref[:strings.LastIndex(ref, ":")]
	}
	first, _, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		ref = "docker.io/library/" + ref
	case !looksLikeRegistry(first):
		ref = "docker.io/" + ref
	case first == "index.docker.io" || first == "registry-1.docker.io":
		ref = "docker.io/" + strings.TrimPrefix(ref, first+"/")
	}
	if strings.HasPrefix(ref, "docker.io/") && strings.Count(ref, "/") == 1 {
		ref = "docker.io/library/" + strings.TrimPrefix(ref, "docker.io/")
	}
	if !repoPattern.MatchString(ref) {
		return "", false
	}
	return ref, true
}

// NormalizeDigest returns "sha256:<hex>" for a digest with or without the
// prefix, or "" when d is not a sha256 digest.
func NormalizeDigest(d string) string {
	d = strings.TrimSpace(d)
	if hexPattern.MatchString(d) {
		return "sha256:" + d
	}
	if digestPattern.MatchString(d) {
		return d
	}
	return ""
}

// match reports whether r allows an image with this reference and digest.
func (r ImageRule) match(ref, digest string) bool {
	if r.Digest != "" {
		return digest != "" && NormalizeDigest(digest) == r.Digest
	}
	repo, ok := Repository(ref)
	return ok && (repo == r.Prefix || strings.HasPrefix(repo, r.Prefix+"/"))
}
