package cli

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// serverLogFlushEvery is how long a server's info lines (one per request)
// may wait in memory before they are written.
const serverLogFlushEvery = 100 * time.Millisecond

// serverLogBufferBytes is how many bytes of lines wait at most: a full
// buffer is written at once.
const serverLogBufferBytes = 64 << 10

// logBuffer collects a server's log lines and writes them in batches:
// every serverLogFlushEvery, when serverLogBufferBytes are waiting, after
// a warning or an error (flushingHandler), and on Close. Writing every
// request's line with its own write(2) cost an eighth of a cached results
// page's CPU under 64 clients, and a slow log sink (a pipe to a full
// journal) stalled every request behind the handler's lock; access logs of
// web servers are commonly buffered the same way. Lines are written whole
// and in order.
type logBuffer struct {
	w io.Writer

	mu  sync.Mutex // guards buf
	buf []byte
	// out serializes the writes to w, so that a batch taken from buf is
	// written before the next one without holding mu during the write.
	out sync.Mutex

	stop chan struct{}
	done chan struct{}
}

// newLogBuffer starts a buffer in front of w; Close writes what is left
// and stops it.
func newLogBuffer(w io.Writer, every time.Duration) *logBuffer {
	b := &logBuffer{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.Flush()
			}
		}
	}()
	return b
}

// Write keeps p (a whole line: slog's handlers write one record per call)
// until the next flush, or writes everything now if the buffer is full.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= serverLogBufferBytes
	b.mu.Unlock()
	if full {
		b.Flush()
	}
	return len(p), nil
}

// Flush writes the waiting lines.
func (b *logBuffer) Flush() {
	b.out.Lock()
	defer b.out.Unlock()
	b.mu.Lock()
	batch := b.buf
	b.buf = nil
	b.mu.Unlock()
	if len(batch) > 0 {
		b.w.Write(batch) // a log sink that fails has nowhere to report it
	}
}

// Close stops the periodic flush and writes what is left. Lines written
// after Close are kept until the next Flush.
func (b *logBuffer) Close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
	b.Flush()
}

// flushingHandler writes its buffer out after every record at warning
// level or above, so that problems reach the log at once (and before a
// crash) while request lines are batched.
type flushingHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(as), buf: h.buf}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), buf: h.buf}
}
