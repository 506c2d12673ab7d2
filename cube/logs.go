package cube

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/medperf/medperf"
)

// prefixWriter writes each line it receives to w with a prefix. It is safe
// for concurrent use; a partial last line is written by Flush.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	line   []byte
}

// NewPrefixWriter returns a writer that writes each line to w with prefix in
// front, and a flush function that writes a final unterminated line.
func NewPrefixWriter(w io.Writer, prefix string) (io.Writer, func()) {
	p := &prefixWriter{w: w, prefix: []byte(prefix)}
	return p, p.flush
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.line = append(p.line, b...)
			if len(p.line) > 64<<10 { // never hold an endless line
				p.writeLine(append(p.line, '\n'))
				p.line = p.line[:0]
			}
			break
		}
		p.writeLine(append(p.line, b[:i+1]...))
		p.line = p.line[:0]
		b = b[i+1:]
	}
	return n, nil
}

// writeLine writes one line; errors of the destination are ignored so that
// a closed terminal never stops a task.
func (p *prefixWriter) writeLine(line []byte) {
	out := make([]byte, 0, len(p.prefix)+len(line))
	out = append(append(out, p.prefix...), line...)
	p.w.Write(out)
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.line) > 0 {
		p.writeLine(append(p.line, '\n'))
		p.line = p.line[:0]
	}
}

// TaskOutput is where a runtime sends a task's stdout and stderr: both go,
// line by line with the prefix "[task] ", to the spec's Stdout, and unchanged
// to its log file (mode 0600), which keeps at most the first LogHeadBytes
// and the last LogTailBytes of the output, with a line saying how much was
// cut between them.
type TaskOutput struct {
	Stdout, Stderr io.Writer
	close          func() error
}

// Close flushes partial lines and closes the log file.
func (o *TaskOutput) Close() error { return o.close() }

// OpenOutput creates the spec's log file (its directory too) and returns the
// writers for the task's streams. Runtimes call it once per run.
func (s *Spec) OpenOutput() (*TaskOutput, error) {
	var sinks []io.Writer
	var file *os.File
	var flush func()
	if s.Stdout != nil {
		pw, f := NewPrefixWriter(s.Stdout, "["+s.Task.Name+"] ")
		sinks, flush = append(sinks, pw), f
	}
	var capped *cappedWriter
	if s.LogFile != "" {
		// Logs may quote patient data: the user's only.
		if err := os.MkdirAll(filepath.Dir(s.LogFile), 0o700); err != nil {
			return nil, medperf.Errorf(medperf.CodeInvalid, "cannot create the log directory: %v", err)
		}
		f, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, medperf.Errorf(medperf.CodeInvalid, "cannot create the log file: %v", err)
		}
		f.Chmod(0o600) // an older log of the same name may have been wider
		file, capped = f, newCappedWriter(f, LogHeadBytes, LogTailBytes)
		sinks = append(sinks, &lockedWriter{w: capped})
	}
	w := io.MultiWriter(sinks...)
	if len(sinks) == 0 {
		w = io.Discard
	}
	return &TaskOutput{Stdout: w, Stderr: w, close: func() error {
		if flush != nil {
			flush()
		}
		if file != nil {
			capped.finish()
			return file.Close()
		}
		return nil
	}}, nil
}

// lockedWriter serialises writes from the stdout and stderr copiers. It
// never fails: a full disk must not stop the copier, which would block the
// task on its next write.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(b)
	return len(b), nil
}
