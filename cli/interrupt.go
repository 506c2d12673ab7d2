package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// interruptible returns the command's context, canceled on Ctrl-C or
// SIGTERM, so that a long step stops cleanly (exit status 130) and removes
// what it had half-written (a partial download); call stop when done.
func interruptible(c *cobra.Command) (ctx context.Context, stop context.CancelFunc) {
	ctx = c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
