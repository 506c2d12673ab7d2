package config

import (
	"net"

	"github.com/medperf/medperf"
)

// The values of Server.MetricsAccess.
const (
	MetricsPublic = "public"
	MetricsAdmin  = "admin"
)

// checkPprofAddr accepts an empty address or a host:port whose host is a
// loopback IP or "localhost"; anything else (":6060", "0.0.0.0:6060", a
// public name) is refused, so the profiler is never served to the network.
func checkPprofAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return medperf.FieldError("pprof-addr", "must be host:port on a loopback address, like 127.0.0.1:6060, not %q", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return medperf.FieldError("pprof-addr", "%q is not a loopback address: the profiler is only served on 127.0.0.1, ::1 or localhost (reach it with an SSH tunnel)", addr)
	}
	return nil
}
