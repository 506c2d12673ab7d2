// Package local runs a cube task as a host process sandboxed with
// bubblewrap: no network, only the mounts of the plan (inputs read-only),
// the host's system directories read-only, a private /tmp, no capabilities,
// and the whole sandbox killed with its parent. It is for cube developers and
// machines without a container engine. Without bwrap it refuses to run,
// unless AllowUnsandboxed is set.
package local
