package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingSink is a bytes.Buffer safe for the flusher's goroutine that
// counts the writes it gets.
type countingSink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *countingSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *countingSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServerLogBatchesInfoAndWritesProblemsAtOnce checks the server log's
// contract: request lines wait (in order) for the periodic flush or Close,
// a warning writes everything waiting at once, and a full buffer is
// written without waiting.
func TestServerLogBatchesInfoAndWritesProblemsAtOnce(t *testing.T) {
	var out countingSink
	buf := newLogBuffer(&out, time.Hour) // no periodic flush during the test
	log := slog.New(flushingHandler{slog.NewTextHandler(buf, nil), buf})
	log.Info("request", "n", 1)
	log.Info("request", "n", 2)
	if s := out.String(); s != "" {
		t.Fatalf("info lines were written before a flush: %q", s)
	}
	log.Warn("database slow")
	s := out.String()
	if !strings.Contains(s, "n=1") || !strings.Contains(s, "n=2") || !strings.Contains(s, "database slow") {
		t.Fatalf("a warning did not write what waited: %q", s)
	}
	if strings.Index(s, "n=1") > strings.Index(s, "n=2") || strings.Index(s, "n=2") > strings.Index(s, "database slow") {
		t.Errorf("lines out of order: %q", s)
	}
	if out.writes != 1 {
		t.Errorf("%d writes for three lines, want one batch", out.writes)
	}
	log.With("route", "x").Error("failed")
	if !strings.Contains(out.String(), "failed") {
		t.Error("an error from a derived logger waited for the flush")
	}

	log.Info("request", "n", 3)
	buf.Close()
	if !strings.Contains(out.String(), "n=3") {
		t.Error("Close did not write the waiting line")
	}
	buf.Close() // twice is harmless
}

// TestServerLogWritesAFullBuffer checks that lines never pile up past
// serverLogBufferBytes waiting for the timer.
func TestServerLogWritesAFullBuffer(t *testing.T) {
	var out countingSink
	buf := newLogBuffer(&out, time.Hour)
	defer buf.Close()
	line := strings.Repeat("x", 1023) + "\n"
	for range serverLogBufferBytes / len(line) {
		buf.Write([]byte(line))
	}
	if n := len(out.String()); n != serverLogBufferBytes {
		t.Errorf("%d bytes written after filling the buffer, want %d", n, serverLogBufferBytes)
	}
}

// TestServerLogFlushesPeriodically checks that a quiet server's lines
// still reach the log without a warning or Close.
func TestServerLogFlushesPeriodically(t *testing.T) {
	var out countingSink
	buf := newLogBuffer(&out, 10*time.Millisecond)
	defer buf.Close()
	slog.New(flushingHandler{slog.NewJSONHandler(buf, nil), buf}).InfoContext(context.Background(), "request")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"msg":"request"`) {
		if time.Now().After(deadline) {
			t.Fatal("the line was never written")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
