package play

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/medperf/medperf"
)

// progress writes whole lines to one writer from several goroutines, each
// stamped with the time since the demo started.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (p *progress) line(who, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if who != "" {
		who += ": "
	}
	fmt.Fprintf(p.w, "[%5.1fs] %s%s\n", time.Since(p.start).Seconds(), who, fmt.Sprintf(format, args...))
}

// prefixed returns a writer whose lines go to p under who's name.
func (p *progress) prefixed(who string) io.Writer { return &linePrefixer{p: p, who: who} }

type linePrefixer struct {
	p   *progress
	who string
	mu  sync.Mutex
	buf []byte
}

func (l *linePrefixer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.p.line(l.who, "%s", l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

// step prints one progress line of the demo.
func (p *player) step(who, format string, args ...any) { p.log.line(who, format, args...) }

// warn prints a warning line.
func (p *player) warn(msg string) { p.log.line("warning", "%s", msg) }

// stepError names the step that failed in err's message, keeping its code.
func stepError(step string, err error) error {
	return &medperf.Error{Code: medperf.ErrorCode(err), Message: step + ": " + medperf.ErrorMessage(err), Err: err}
}
