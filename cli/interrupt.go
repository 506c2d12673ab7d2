package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// interruptible returns the command's context with a cancel of its own, for
// the commands that stop a long step cleanly. It installs no signal handler:
// main's context (see RunContext) is the one place where SIGINT and SIGTERM
// cancel work, so that every command stops on both signals alike.
func interruptible(c *cobra.Command) (ctx context.Context, stop context.CancelFunc) {
	ctx = c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithCancel(ctx)
}

// resumable are the commands whose work is journaled: run again after an
// interruption, they continue where they stopped instead of starting over.
var resumable = map[string]bool{
	"medperf dataset prepare": true,
	"medperf benchmark run":   true,
	"medperf result submit":   true,
	"medperf run":             true,
	"medperf test run":        true,
}

// reportInterrupted tells the user that cmd was interrupted (not that it
// failed) and, when its work is resumable, how to continue it.
func reportInterrupted(w io.Writer, cmd *cobra.Command) {
	fmt.Fprintln(w, "medperf: interrupted")
	if cmd != nil && resumable[cmd.CommandPath()] {
		fmt.Fprintln(w, "medperf: run the same command again to continue where it stopped")
	}
}
