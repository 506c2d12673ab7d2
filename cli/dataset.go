package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

func newDatasetCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "dataset",
		Short: "Work with datasets",
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return medperf.Errorf(medperf.CodeInvalid, "unknown command %q (see '%s --help')", args[0], c.CommandPath())
			}
			return c.Help()
		},
	}
	c.AddCommand(newDatasetHashCmd(e))
	return c
}

func newDatasetHashCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "hash PATH...",
		Short: "Print the MedPerf-compatible hash of folders",
		Long: "Print the hash MedPerf gives the files in the folders: the sha256 of each file, sorted, hashed\n" +
			"again. File names and folder layout do not count. Uses every core; see docs/datasets.md.",
		Args: cobra.MinimumNArgs(1),
	}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, paths []string) error {
		ctx, stop := signal.NotifyContext(commandContext(c), os.Interrupt)
		defer stop()
		h := site.Hasher{}
		var progress *progressLine
		if *out == formatTable && isTerminal(e.stderr) {
			progress = newProgressLine(e.stderr, time.Now)
			h.Progress = progress.update
		}
		d, err := h.Hash(ctx, paths...)
		progress.finish() // before anything else is printed
		if err != nil {
			return err
		}
		return render(e.stdout, *out, d, func() table {
			return table{rows: [][]string{
				{"hash", d.Hash},
				{"files", strconv.Itoa(d.Files)},
				{"bytes", strconv.FormatInt(d.Bytes, 10)},
			}}
		})
	}
	return c
}

func commandContext(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

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
