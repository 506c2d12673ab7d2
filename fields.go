package medperf

import (
	"net/url"
	"slices"
)

// set copies *p into *dst when p is not nil.
func set[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

// setFields returns the sorted names whose value is true.
func setFields(m map[string]bool) []string {
	var out []string
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// checkURL checks that v is an absolute http(s) URL.
func checkURL(field, v string) error {
	if err := limitText(field, v, maxURL); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return FieldError(field, "must be an http or https URL")
	}
	return nil
}

// checkSHA256 checks that v is a lowercase hex sha256, optionally prefixed
// with "sha256:".
func checkSHA256(field, v string) error {
	if !sha256Pattern.MatchString(v) {
		return FieldError(field, "must be a sha256 in lowercase hex")
	}
	return nil
}
