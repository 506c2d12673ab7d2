// Command blocker stands for a long container task that a test interrupts.
// It is the entrypoint of a test cube: it runs the real entrypoint given as
// its arguments, except when the task's memory limit is exactly BlockMemory
// bytes: then it sleeps for an hour first. The limit is the only thing a
// test can change between two runs of the same registered container
// without changing the command line (MEDPERF_MEMORY), so the first run
// blocks and the rerun goes through.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BlockMemory is 777m, the memory limit that makes the task block.
const BlockMemory = 777 << 20

func main() {
	if memoryLimit() == BlockMemory {
		fmt.Println("blocker: blocking")
		time.Sleep(time.Hour)
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "blocker: no command")
		os.Exit(2)
	}
	err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	fmt.Fprintln(os.Stderr, "blocker:", err)
	os.Exit(1)
}

// memoryLimit reads the container's memory limit (cgroup v2, else v1).
func memoryLimit() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return n
		}
	}
	return -1
}
