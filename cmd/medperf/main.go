// Command medperf is the one binary of the medperf platform: the registry
// server (medperf server) and the client of every role.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/medperf/medperf/cli"
)

func main() {
	os.Exit(run())
}

// run gives every command one context, canceled by the first SIGINT or
// SIGTERM, so that any command stops cleanly (containers removed, journals
// kept) on either signal. A second signal is not caught: it kills at once.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	return cli.RunContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}
