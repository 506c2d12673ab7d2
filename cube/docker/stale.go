package docker

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// The labels of every container a Runtime creates.
const (
	// LabelManaged marks medperf's containers ("true").
	LabelManaged = "org.medperf.managed"
	// LabelPID is the pid of the medperf process that owns the container.
	LabelPID = "org.medperf.pid"
	// LabelPIDStart is that process's start time (clock ticks since boot),
	// so that a reused pid is not taken for the owner.
	LabelPIDStart = "org.medperf.pid-start"
	// LabelHost is the hostname of the owner, so that a shared engine never
	// loses containers of processes on other machines.
	LabelHost = "org.medperf.host"
	// LabelTask is the task the container runs.
	LabelTask = "org.medperf.task"
)

func ownerLabels(task string) map[string]string {
	host, _ := os.Hostname()
	return map[string]string{
		LabelManaged:  "true",
		LabelPID:      strconv.Itoa(os.Getpid()),
		LabelPIDStart: processStart(os.Getpid()),
		LabelHost:     host,
		LabelTask:     task,
	}
}

// processStart returns the start time of process pid from /proc, or "" when
// the process does not exist.
func processStart(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	// Field 22 of stat is starttime; fields here start at field 3.
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}

// ownerAlive reports whether the process named by a container's labels is
// still running on this host. Containers of other hosts count as alive.
func ownerAlive(labels map[string]string) bool {
	host, _ := os.Hostname()
	if labels[LabelHost] != host {
		return true
	}
	pid, err := strconv.Atoi(labels[LabelPID])
	if err != nil || pid <= 0 {
		return false
	}
	start := processStart(pid)
	return start != "" && start == labels[LabelPIDStart]
}

// RemoveStale force-removes the containers of this host whose medperf
// process is gone (killed, or its machine rebooted) and returns how many it
// removed. Run calls it once per Runtime; it is also safe to call directly.
// Why labels and not AutoRemove: AutoRemove would drop the exit status and
// OOM flag Run must read, and would not stop a container whose owner died.
func (r *Runtime) RemoveStale(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	list, err := r.client.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", LabelManaged+"=true"))})
	if err != nil {
		return 0, engineError(ctx, "list containers", err)
	}
	n := 0
	for _, c := range list {
		if ownerAlive(c.Labels) {
			continue
		}
		if err := r.client.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err == nil {
			n++
		}
	}
	return n, nil
}
