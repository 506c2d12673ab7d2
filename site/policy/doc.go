// Package policy reads a data owner's site policy (policy.yaml) and decides
// whether a proposed action is allowed by it: which servers, benchmarks,
// container images and runtimes a site accepts, how many CPUs, how much
// memory, how many GPUs and how much time a task may take, whether URLs to
// private addresses may be fetched, which metrics may leave the site, the
// minimum number of cases a submitted result must cover, and whether
// unsigned containers may run.
//
// The policy is the site's, not the registry's: nothing the server says can
// widen it. The package is pure: it reads the policy file and nothing else;
// callers (the CLI before any container starts and before anything is
// sent) describe the action, including facts that need I/O such as whether
// a URL resolves to a private address. docs/site-policy.md documents the
// file.
package policy
