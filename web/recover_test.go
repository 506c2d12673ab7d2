package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestIssue12Finding5APanicIsALogged500 checks that a page that panics
// answers 500 through WriteHeader (what the server's metrics count) with
// the error page, and logs the panic; before, the connection was dropped
// and the metrics never saw a status.
func TestIssue12Finding5APanicIsALogged500(t *testing.T) {
	var logs bytes.Buffer
	h := &Handler{cfg: Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, pages: parsePages()}
	boom := h.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		var s []int
		_ = s[3]
	}))
	rec := httptest.NewRecorder()
	boom.ServeHTTP(rec, httptest.NewRequest("GET", "/benchmarks/1/leaderboard", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "Something went wrong") || strings.Contains(rec.Body.String(), "index out of range") {
		t.Errorf("the page does not say an internal error happened, or shows the panic:\n%s", rec.Body)
	}
	if !strings.Contains(logs.String(), "dashboard handler panicked") || !strings.Contains(logs.String(), "index out of range") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}

	t.Run("ErrAbortHandler is passed on", func(t *testing.T) {
		abort := h.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
		defer func() {
			if recover() != http.ErrAbortHandler {
				t.Error("http.ErrAbortHandler was swallowed")
			}
		}()
		abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
}
