// Command medperf is the one binary of the medperf platform: the registry
// server (medperf server) and the client of every role.
package main

import (
	"os"

	"github.com/medperf/medperf/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
