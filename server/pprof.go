package server

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/medperf/medperf"
)

// startPprof serves Go's profiler on Config.PprofAddr, a loopback address
// (config.Server.WithDefaults refuses any other; the listener's address is
// checked again here, since "localhost" is resolved only now).
func (s *Server) startPprof() error {
	if s.cfg.PprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.PprofAddr)
	if err != nil {
		return &medperf.Error{Code: medperf.CodeUnavailable, Field: "pprof-addr", Message: fmt.Sprintf("cannot listen on %s", s.cfg.PprofAddr), Err: err}
	}
	if !isLoopback(ln.Addr()) {
		ln.Close()
		return medperf.FieldError("pprof-addr", "%s is not a loopback address: the profiler is only served on 127.0.0.1, ::1 or localhost", ln.Addr())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s.pprof = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.pprofLn = ln
	go s.pprof.Serve(ln)
	s.cfg.Logger.Info("profiler listening (loopback only)", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	return nil
}

// PprofURL returns the profiler's base URL, or "" when it is off.
func (s *Server) PprofURL() string {
	if s.pprofLn == nil {
		return ""
	}
	return "http://" + s.pprofLn.Addr().String() + "/debug/pprof/"
}

// stopPprof closes the profiler's server, if one runs.
func (s *Server) stopPprof() {
	if s.pprof != nil {
		s.pprof.Close()
	}
}
