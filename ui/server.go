package ui

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

// Config configures a Server. Site and User are required.
type Config struct {
	// Site is the user's site: its Registry (the profile's client), Home
	// and Runtime serve every page. Its Out and Confirm are ignored: each
	// job gets its own.
	Site *site.Site
	// User is the signed-in user of the profile's token (GET /me).
	User *medperf.User
	// Server is the registry's URL, shown on every page.
	Server string
	// Addr is the listen address; "" is 127.0.0.1:0 (a free port).
	Addr string
	// AllowRemote allows a non-loopback Addr. Without it such an address is
	// refused: anyone who can reach the port and learns the sign-in URL acts
	// with the profile's token.
	AllowRemote bool
}

// Server is a running local app. Open starts it, Close stops it.
type Server struct {
	cfg      Config
	ln       net.Listener
	srv      *http.Server
	pages    *pages
	ctx      context.Context
	cancel   context.CancelFunc
	jobs     *jobs
	cookie   string
	signIn   string // the one-time sign-in token, never changed
	signInMu sync.Mutex
	used     bool // whether signIn was traded for a session
	sessMu   sync.Mutex
	sessions map[string]string // session secret -> CSRF token
}

// Open checks cfg, listens and serves in the background. Errors:
// CodeInvalid for a missing Site or User or a bad Addr, CodeForbidden for a
// non-loopback Addr without AllowRemote, CodeConflict when Addr is taken.
func Open(cfg Config) (*Server, error) {
	if cfg.Site == nil || cfg.Site.Registry == nil || cfg.User == nil {
		return nil, medperf.Errorf(medperf.CodeInvalid, "the local app needs a site, its registry and the signed-in user")
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if err := checkAddr(cfg.Addr, cfg.AllowRemote); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeConflict, Message: fmt.Sprintf("cannot listen on %s (is it taken? choose another with --addr): %v", cfg.Addr, err), Err: err}
	}
	s := &Server{cfg: cfg, ln: ln, jobs: newJobs(), signIn: randomToken(), sessions: map[string]string{}}
	s.cookie = "medperf_ui_" + portOf(ln.Addr().String())
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.pages = mustParsePages()
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// checkAddr refuses a non-loopback host unless allowRemote.
func checkAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "--addr %q is not host:port (e.g. 127.0.0.1:8443): %v", addr, err)
	}
	if allowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return medperf.Errorf(medperf.CodeForbidden, "--addr %s is not a loopback address: anyone who reaches it with the sign-in link acts with your token, "+
			"and the page is served without TLS; use 127.0.0.1, or pass --allow-remote if you really mean it", addr)
	}
	return nil
}

func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// URL is the app's base URL (http://127.0.0.1:port).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// SignInURL is the one-time sign-in URL: the first request to it signs the
// browser in; it never works again.
func (s *Server) SignInURL() string { return s.URL() + "/signin?token=" + s.signIn }

// Close cancels the running jobs and stops serving.
func (s *Server) Close() error {
	s.cancel()
	s.jobs.wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// handler is the routes behind the checks every request passes.
func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /signin", s.signInHandler)
	mux.Handle("GET /static/", staticHandler())
	s.routes(mux)
	return s.guard(mux)
}

// guard sets the security headers, refuses foreign Host headers (a DNS
// rebinding attack names its own host), requires a session except for
// signing in and the style sheet, and checks the CSRF token of every POST.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		if !s.ownHost(r.Host) {
			http.Error(w, "unknown host: open the address medperf ui printed", http.StatusMisdirectedRequest)
			return
		}
		if r.URL.Path == "/signin" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		csrf, ok := s.session(r)
		if !ok {
			s.renderStatus(w, http.StatusUnauthorized, "signedout", view{Title: "Not signed in"})
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
			if err := r.ParseForm(); err != nil || !sameToken(r.PostForm.Get("csrf_token"), csrf) {
				s.renderError(w, r, medperf.Errorf(medperf.CodeForbidden, "the form's security token is missing or stale: reload the page and try again"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ownHost(host string) bool {
	port := portOf(s.ln.Addr().String())
	h, p, err := net.SplitHostPort(host)
	if err != nil || p != port {
		return false
	}
	if s.cfg.AllowRemote {
		return true
	}
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// session returns the CSRF token of the request's session.
func (s *Server) session(r *http.Request) (string, bool) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		return "", false
	}
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	csrf, ok := s.sessions[c.Value]
	return csrf, ok
}

// signInHandler trades the one-time token for a session cookie; the token
// never works again.
func (s *Server) signInHandler(w http.ResponseWriter, r *http.Request) {
	s.signInMu.Lock()
	ok := !s.used && sameToken(r.URL.Query().Get("token"), s.signIn)
	if ok {
		s.used = true
	}
	s.signInMu.Unlock()
	if !ok {
		s.renderStatus(w, http.StatusForbidden, "signedout", view{Title: "Sign-in link used", Notice: "This sign-in link is not valid or was already used. Stop medperf ui and start it again for a new link."})
		return
	}
	secret := randomToken()
	s.sessMu.Lock()
	s.sessions[secret] = randomToken()
	s.sessMu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// statusOf maps an error code to the page's HTTP status.
func statusOf(err error) int {
	switch medperf.ErrorCode(err) {
	case medperf.CodeInvalid:
		return http.StatusBadRequest
	case medperf.CodeUnauthorized:
		return http.StatusUnauthorized
	case medperf.CodeForbidden:
		return http.StatusForbidden
	case medperf.CodeNotFound:
		return http.StatusNotFound
	case medperf.CodeConflict:
		return http.StatusConflict
	case medperf.CodeCanceled:
		return http.StatusConflict
	case medperf.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
