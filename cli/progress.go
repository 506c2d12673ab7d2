package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/medperf/medperf/site"
)

// isTerminal reports whether w is a character device, such as a terminal.
// Other character devices (/dev/null) count too: what is written there is
// lost anyway.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progressLine rewrites one line of a terminal with a hashing run's
// progress, at most ten times a second.
type progressLine struct {
	w     io.Writer
	now   func() time.Time
	mu    sync.Mutex
	last  time.Time
	shown bool
}

func newProgressLine(w io.Writer, now func() time.Time) *progressLine {
	return &progressLine{w: w, now: now}
}

func (p *progressLine) update(pr site.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	if t.Sub(p.last) < 100*time.Millisecond && pr.Files < pr.TotalFiles {
		return
	}
	p.last, p.shown = t, true
	fmt.Fprintf(p.w, "\rhashing: %d/%d files, %s/%s ", pr.Files, pr.TotalFiles, mebibytes(pr.Bytes), mebibytes(pr.TotalBytes))
}

// finish ends the progress line, if one was shown; p may be nil.
func (p *progressLine) finish() {
	if p != nil && p.shown {
		fmt.Fprintln(p.w)
	}
}

func mebibytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
