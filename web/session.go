package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
)

// Cookie names. The session cookie holds the session's secret; the
// sign-in cookie holds the anti-forgery token of the sign-in form, before
// there is a session (a double-submit token).
const (
	SessionCookie = "medperf_session"
	SignInCookie  = "medperf_signin"
	// CSRFField is the form field every POST carries.
	CSRFField = "csrf_token"
)

// setCookie sets an HttpOnly, SameSite=Strict cookie for the whole site,
// Secure when the request came over TLS. maxAge < 0 deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// view is what every template receives.
type view struct {
	Title string
	// User is the signed-in user; nil on the sign-in page.
	User *medperf.User
	// CSRF is the token forms post back in CSRFField.
	CSRF   string
	Notice string
	Data   any
}

// signInData is the sign-in page's Data.
type signInData struct {
	Next, Error string
}

func (h *Handler) signInPage(w http.ResponseWriter, r *http.Request) {
	h.renderSignIn(w, r, http.StatusOK, signInData{Next: localPath(r.URL.Query().Get("next"))})
}

// renderSignIn writes the sign-in page. Its anti-forgery token is the
// browser's sign-in cookie when it has one, so that a second page load
// (another tab, or the favicon's redirect here) does not invalidate the
// form already shown.
func (h *Handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, d signInData) {
	token := randomToken()
	if c, err := r.Cookie(SignInCookie); err == nil && len(c.Value) == len(token) {
		token = c.Value
	}
	setCookie(w, r, SignInCookie, token, 600)
	h.render(w, r, status, "signin", view{Title: "Sign in", CSRF: token, Data: d})
}

// signIn checks the sign-in form's anti-forgery token, then trades the API
// token for a session.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, nil, medperf.Errorf(medperf.CodeInvalid, "the form could not be read"))
		return
	}
	next := localPath(r.PostForm.Get("next"))
	c, err := r.Cookie(SignInCookie)
	if err != nil || !sameToken(c.Value, r.PostForm.Get(CSRFField)) {
		h.renderSignIn(w, r, http.StatusForbidden, signInData{Next: next, Error: "The sign-in form expired or did not come from this site. Please try again."})
		return
	}
	key := auth.AddressKey(r.RemoteAddr)
	if wait := h.cfg.SignInLimiter.Wait(key); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.renderSignIn(w, r, http.StatusTooManyRequests, signInData{Next: next,
			Error: fmt.Sprintf("Too many failed sign-ins from your address. Wait %d seconds, then try again with a valid token.", secs)})
		return
	}
	secret, _, err := h.cfg.Sessions.CreateSession(r.Context(), strings.TrimSpace(r.PostForm.Get("token")), h.cfg.SessionTTL)
	if err != nil {
		if medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			h.renderError(w, r, nil, err)
			return
		}
		h.cfg.SignInLimiter.Fail(key)
		h.renderSignIn(w, r, http.StatusUnauthorized, signInData{Next: next, Error: "This API token is unknown or revoked. Create one with 'medperf auth token create' or ask your admin."})
		return
	}
	if old, err := r.Cookie(SessionCookie); err == nil {
		// Signing in again replaces the browser's previous session.
		h.cfg.Sessions.DeleteSession(r.Context(), old.Value)
	}
	setCookie(w, r, SignInCookie, "", -1)
	setCookie(w, r, SessionCookie, secret, int(h.cfg.SessionTTL.Seconds()))
	if next == "" {
		next = "/benchmarks"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *Handler) signOut(r *http.Request, s *medperf.Session) (*result, error) {
	c, _ := r.Cookie(SessionCookie)
	if err := h.cfg.Sessions.DeleteSession(r.Context(), c.Value); err != nil {
		return nil, err
	}
	return &result{redirect: "/signin", clearSession: true}, nil
}

// localPath returns p when it is a path on this site ("/x", not "//x" or
// a URL elsewhere), or "".
func localPath(p string) string {
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return p
}

// pageFunc serves one page for a signed-in user, whose identity is in the
// request's context as the caller.
type pageFunc func(r *http.Request, s *medperf.Session) (*result, error)

// result is what a page returns: a template to render, a redirect (after
// a POST), or a download.
type result struct {
	template, title string
	data            any
	status          int
	redirect        string
	clearSession    bool
	download        *download
}

type download struct {
	contentType, filename string
	body                  []byte
}

// page wraps fn: it loads the session (anonymous callers are redirected
// to the sign-in page), checks the CSRF token of a POST, puts the user in
// the context and writes fn's result or error.
func (h *Handler) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		if err != nil {
			h.toSignIn(w, r)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.renderError(w, r, s, formReadError(err))
				return
			}
			if !sameToken(s.CSRF, r.PostForm.Get(CSRFField)) {
				h.renderError(w, r, s, medperf.Errorf(medperf.CodeForbidden,
					"this form expired or did not come from this site (its anti-forgery token does not match); go back, reload the page and try again"))
				return
			}
		}
		r = r.WithContext(medperf.WithCaller(r.Context(), &s.User))
		res, err := fn(r, s)
		if err != nil {
			if medperf.ErrorCode(err) == medperf.CodeUnauthorized {
				h.toSignIn(w, r)
				return
			}
			h.renderError(w, r, s, err)
			return
		}
		h.write(w, r, s, res)
	})
}

// maxFormBytes bounds a form post: room for a benchmark's document
// (256 KiB) and a container's config.
const maxFormBytes = 512 << 10

// formReadError says why a form could not be read.
func formReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return medperf.Errorf(medperf.CodeTooLarge, "the form is larger than %d KiB: shorten the longest field, or register with the CLI", maxFormBytes>>10)
	}
	return medperf.Errorf(medperf.CodeInvalid, "the form could not be read; reload the page and try again")
}

func (h *Handler) session(r *http.Request) (*medperf.Session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, medperf.Errorf(medperf.CodeUnauthorized, "not signed in")
	}
	return h.cfg.Sessions.GetSession(r.Context(), c.Value)
}

// toSignIn sends an anonymous caller to the sign-in page, coming back to
// the page they asked for when it was a GET.
func (h *Handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (h *Handler) write(w http.ResponseWriter, r *http.Request, s *medperf.Session, res *result) {
	switch {
	case res.clearSession:
		setCookie(w, r, SessionCookie, "", -1)
		http.Redirect(w, r, res.redirect, http.StatusSeeOther)
	case res.redirect != "":
		http.Redirect(w, r, res.redirect, http.StatusSeeOther)
	case res.download != nil:
		w.Header().Set("Content-Type", res.download.contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+res.download.filename+`"`)
		w.Write(res.download.body)
	default:
		status := res.status
		if status == 0 {
			status = http.StatusOK
		}
		h.render(w, r, status, res.template, view{Title: res.title, User: &s.User, CSRF: s.CSRF, Notice: notice(r), Data: res.data})
	}
}

// notices are the messages a redirect may ask a page to show, by key, so
// that no text from the URL is ever shown.
var notices = map[string]string{
	"approved":    "The association was approved.",
	"registered":  "Registered. Check the details below.",
	"revoked":     "The token was revoked: it no longer signs in or calls the API.",
	"rejected":    "The association was rejected.",
	"published":   "The leaderboard's aggregate rows are now visible to every signed-in user.",
	"unpublished": "The leaderboard is no longer published.",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("notice")] }
