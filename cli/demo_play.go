package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/play"
	"github.com/medperf/medperf/server"
)

// addDemoPlay makes the `demo` group itself play the reference benchmark.
func addDemoPlay(e *env, c *cobra.Command) {
	c.Use = "demo"
	c.Short = "Play the reference benchmark end to end on an embedded server (and its data, images and cubes)"
	c.Long = "Without a subcommand, plays MedPerf's whole federated evaluation of the reference benchmark in one process:\n" +
		"an embedded server (SQLite), an admin, a benchmark owner, two model owners and three data owners, each with their\n" +
		"own MEDPERF_HOME; containers and benchmark registered (with the compatibility test), the benchmark approved,\n" +
		"three sites' datasets prepared and associated, every model run at every site, the results reviewed and submitted;\n" +
		"then it prints the leaderboard. Containers run with Docker when an engine answers, else with the local runtime.\n\n" +
		"Exit statuses: 2 bad flags (or a non-empty --dir), 4 --dir not writable, 6 --addr taken,\n" +
		"8 no runtime (--runtime docker without an engine), 130 interrupted."
	c.Example = "  medperf demo\n  medperf demo --runtime local --output json\n  medperf demo --dir ./demo --serve --addr 127.0.0.1:8000"
	var o play.Options
	var serve, verbose bool
	fl := c.Flags()
	fl.StringVar(&o.Dir, "dir", "", "keep everything in this empty or new directory: the server's data (DIR/admin.token) and each user's MEDPERF_HOME (DIR/users/NAME)")
	fl.StringVar(&o.Runtime, "runtime", "", "docker or local (default: docker when an engine answers, else local)")
	fl.StringVar(&o.Addr, "addr", "127.0.0.1:0", "the server's listen address (with --serve, where the dashboard stays)")
	fl.BoolVar(&serve, "serve", false, "keep the server running afterwards, until Ctrl-C, and print its URL and a sign-in token")
	fl.IntVar(&o.Cases, "cases", play.DefaultCases, "cases per site (1 to 50)")
	fl.Uint64Var(&o.Seed, "seed", 1, "seed of the synthetic data")
	fl.StringVar(&o.ImageTag, "image-tag", "", "tag of the cube images built for Docker (default: from the binary's hash)")
	fl.MarkHidden("image-tag") // for tests that run beside other builds of the images
	fl.BoolVarP(&verbose, "verbose", "v", false, "also show every container task and the exact payload each user reviews before it is sent")
	format := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		if o.Cases < 1 {
			return medperf.FieldError("--cases", "must be between 1 and 50, not %d", o.Cases)
		}
		// main's context ends on SIGINT and SIGTERM alike, so that a stopped
		// --serve still removes its directory.
		ctx, stop := interruptible(c)
		defer stop()
		o.Verbose = verbose
		if verbose || (*format == formatTable && isTerminal(e.stderr)) {
			o.Out = e.stderr
		}
		d, err := play.Play(ctx, o)
		if err != nil {
			return err
		}
		defer d.Close()
		if *format != formatTable {
			if err := render(e.stdout, *format, d.Report, nil); err != nil {
				return err
			}
		} else {
			d.Report.Print(e.stdout)
			if o.Dir != "" {
				fmt.Fprintf(e.stdout, "\nEverything is kept in %s: continue as any user with MEDPERF_HOME=%s medperf ...\n", d.Dir, filepath.Join(d.Dir, "users", "NAME"))
			}
		}
		if !serve {
			return nil
		}
		w := e.stdout
		if *format != formatTable {
			w = e.stderr
		}
		printServe(w, d)
		<-ctx.Done()
		return nil
	}
}

// printServe says where the kept server is and how to sign in.
func printServe(w io.Writer, d *play.Demo) {
	fmt.Fprintf(w, "\nThe server keeps running at %s until Ctrl-C.\n", d.URL)
	where := "with 'medperf auth login --server " + d.URL + " --token TOKEN'"
	if d.Dashboard {
		where = "on the dashboard at " + d.URL + "/, or " + where
	}
	fmt.Fprintf(w, "Sign in %s as the benchmark owner with the token\n  %s\n", where, d.OwnerToken)
	fmt.Fprintf(w, "or as the admin with the token in %s\n", filepath.Join(d.Dir, server.AdminTokenFile))
}
