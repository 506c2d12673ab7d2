// Command probe reports, from inside a container or sandbox, what it can
// see and do. Each argument is one check, mode[:arg]; each prints one line
// "mode=result". Runtime tests run it and read its output.
package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	status := 0
	for _, a := range os.Args[1:] {
		if param, ok := strings.CutPrefix(a, "--"); ok {
			// An MLCube parameter, --key=path: report what is at path.
			key, p, _ := strings.Cut(param, "=")
			fmt.Printf("%s=%s\n", key, kind(p))
			continue
		}
		mode, arg, _ := strings.Cut(a, ":")
		switch mode {
		case "exit":
			status, _ = strconv.Atoi(arg)
		default:
			fmt.Printf("%s=%s\n", mode, check(mode, arg))
		}
	}
	os.Exit(status)
}

func check(mode, arg string) string {
	switch mode {
	case "ifaces":
		ifs, err := net.Interfaces()
		if err != nil {
			return "error " + err.Error()
		}
		var names []string
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return strings.Join(names, ",")
	case "dial":
		c, err := net.DialTimeout("tcp", arg, 3*time.Second)
		if err != nil {
			return "failed"
		}
		c.Close()
		return "connected"
	case "write":
		if err := os.WriteFile(arg, []byte("probe\n"), 0o644); err != nil {
			return "failed"
		}
		return "ok"
	case "read":
		b, err := os.ReadFile(arg)
		if err != nil {
			return "failed"
		}
		return strings.TrimSpace(string(b))
	case "capeff":
		return statusField("CapEff")
	case "nonewprivs":
		return statusField("NoNewPrivs")
	case "id":
		return fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	case "env":
		return os.Getenv(arg)
	case "ls":
		entries, err := os.ReadDir(arg)
		if err != nil {
			return "failed"
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return strings.Join(names, ",")
	case "sleep":
		d, _ := time.ParseDuration(arg)
		time.Sleep(d)
		return "done"
	case "alloc":
		mb, _ := strconv.Atoi(arg)
		var keep [][]byte
		for i := 0; i < mb; i++ {
			b := make([]byte, 1<<20)
			for j := range b {
				b[j] = byte(j)
			}
			keep = append(keep, b)
		}
		return fmt.Sprintf("allocated %d", len(keep))
	case "shm":
		var st syscall.Statfs_t
		if err := syscall.Statfs("/dev/shm", &st); err != nil {
			return "failed"
		}
		return strconv.FormatInt(int64(st.Blocks)*int64(st.Bsize), 10)
	case "fill":
		// fill:PATH=MB writes MB mebibytes of real (not sparse) data.
		path, mb, _ := strings.Cut(arg, "=")
		n, _ := strconv.Atoi(mb)
		f, err := os.Create(path)
		if err != nil {
			return "failed"
		}
		defer f.Close()
		block := make([]byte, 1<<20)
		for i := range block {
			block[i] = byte(i)
		}
		for i := 0; i < n; i++ {
			if _, err := f.Write(block); err != nil {
				return "failed"
			}
		}
		if err := f.Sync(); err != nil {
			return "failed"
		}
		return "ok"
	case "touch":
		dir := filepath.Dir(arg)
		os.MkdirAll(dir, 0o755)
		return check("write", arg)
	}
	return "unknown mode"
}

func statusField(name string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "error"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "missing"
}

// kind says whether p is a directory, a file, or missing.
func kind(p string) string {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return "missing"
	case fi.IsDir():
		return "directory"
	}
	return "file"
}
