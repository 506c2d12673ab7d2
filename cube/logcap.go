package cube

import (
	"fmt"
	"io"
)

// A task's log file keeps the head and the tail of its output: the start
// says what the task did, the end why it stopped; a task that writes
// without end (one wrote 250 MiB) must not fill the site's disk.
const (
	// LogHeadBytes is how much of the start of a task's output its log keeps.
	LogHeadBytes = 8 << 20
	// LogTailBytes is how much of the end of a task's output its log keeps.
	LogTailBytes = 8 << 20
)

// cappedWriter writes the first head bytes through to w, keeps the last
// tail bytes after them in a ring, and writes the ring, after a line saying
// how many bytes were cut, when finished. It is not safe for concurrent
// use (lockedWriter serialises it).
type cappedWriter struct {
	w          io.Writer
	head       int64
	written    int64 // bytes written through to w
	ring       []byte
	start      int   // index of the oldest byte when the ring is full
	overflowed int64 // bytes beyond head, kept or not
}

func newCappedWriter(w io.Writer, head, tail int64) *cappedWriter {
	return &cappedWriter{w: w, head: head, ring: make([]byte, 0, tail)}
}

func (c *cappedWriter) Write(b []byte) (int, error) {
	n := len(b)
	if room := c.head - c.written; room > 0 {
		k := min(int64(len(b)), room)
		c.w.Write(b[:k])
		c.written += k
		b = b[k:]
	}
	c.overflowed += int64(len(b))
	c.keep(b)
	return n, nil
}

// keep appends b to the ring, overwriting the oldest bytes once it is full.
func (c *cappedWriter) keep(b []byte) {
	size := cap(c.ring)
	if size == 0 {
		return
	}
	if len(b) >= size {
		c.ring = append(c.ring[:0], b[len(b)-size:]...)
		c.start = 0
		return
	}
	if room := size - len(c.ring); room > 0 {
		k := min(room, len(b))
		c.ring = append(c.ring, b[:k]...)
		b = b[k:]
	}
	for len(b) > 0 { // full: overwrite from start
		k := copy(c.ring[c.start:], b)
		b = b[k:]
		c.start = (c.start + k) % size
	}
}

// finish writes the kept tail, preceded by a line saying what was cut.
func (c *cappedWriter) finish() {
	if c == nil {
		return
	}
	if cut := c.overflowed - int64(len(c.ring)); cut > 0 {
		fmt.Fprintf(c.w, "\n[medperf: %d bytes of the task's output were cut here; this log keeps the first %d and the last %d bytes]\n", cut, c.head, cap(c.ring))
	}
	c.w.Write(c.ring[c.start:])
	c.w.Write(c.ring[:c.start])
	c.ring, c.start = c.ring[:0], 0
}
