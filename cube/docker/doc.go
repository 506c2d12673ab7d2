// Package docker runs cube tasks through the Docker Engine API, against
// Docker or Podman's Docker-compatible socket. Containers run isolated by
// default: no network, read-only inputs, the invoking uid:gid, no
// capabilities, no-new-privileges, a read-only root with a private tmpfs
// /tmp, and pids, memory and CPU limits. Every container it creates carries
// labels naming the medperf process that owns it, so that containers left
// by a process that died are removed the next time a Runtime starts.
package docker
