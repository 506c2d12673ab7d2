package cli

import (
	"context"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

// interruptible returns the command's context, canceled on Ctrl-C, so that
// a long step stops cleanly (exit status 130); call stop when done.
func interruptible(c *cobra.Command) (ctx context.Context, stop context.CancelFunc) {
	ctx = c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt)
}
