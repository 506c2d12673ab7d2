package cli

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/ui"
)

// newUICmd is `medperf ui`: the local site app (package ui) over the
// active profile, until interrupted.
func newUICmd(e *env) *cobra.Command {
	var addr string
	var allowRemote, noBrowser bool
	c := &cobra.Command{
		Use:   "ui",
		Short: "Serve the local site app in a browser, for every flow without a terminal",
		Long: "Serve the local site app on 127.0.0.1 (a free port unless --addr says otherwise) with the active profile's\n" +
			"server and token, print a one-time sign-in link and open it in a browser when one is at hand. The app\n" +
			"registers, prepares and runs through the same local storage and journals as the command line, so work\n" +
			"started in one continues in the other. It stops on Ctrl-C.",
		Args: cobra.NoArgs,
	}
	f := &siteFlags{runs: true, flags: c.Flags()}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address (a loopback address; port 0 picks a free port)")
	c.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --addr (anyone reaching it with the sign-in link acts as you, over plain HTTP)")
	c.Flags().BoolVar(&noBrowser, "no-browser", false, "do not open a browser; only print the sign-in link")
	c.Flags().StringVar(&f.runtime, "runtime", "", "docker, podman, apptainer or local (default: $MEDPERF_RUNTIME, the profile's, else docker)")
	c.Flags().StringVar(&f.memory, "memory", "", "memory limit of each task, e.g. 8g (default: $MEDPERF_MEMORY, the profile's, else 3/4 of the machine)")
	c.Flags().Float64Var(&f.cpus, "cpus", 0, "CPU limit of each task (default: $MEDPERF_CPUS, the profile's, else all)")
	c.Flags().StringVar(&f.gpus, "gpus", "", "GPUs to give: all, a count, or device=0,1 (default: $MEDPERF_GPUS, the profile's, else none)")
	c.Flags().StringArrayVar(&f.timeouts, "timeout", nil, "TASK=DURATION, e.g. infer=2h (repeatable; default: $MEDPERF_TIMEOUT, the profile's, else per task)")
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, stop := interruptible(c)
		defer stop()
		sess, err := e.openSite(ctx, f, formatJSON)
		if err != nil {
			return err
		}
		defer sess.close()
		sess.ImageID = imageID
		cl, ok := sess.Registry.(*client.Client)
		if !ok {
			return medperf.Errorf(medperf.CodeInternal, "the site has no client")
		}
		me, err := cl.Me(ctx)
		if err != nil {
			return err
		}
		srv, err := ui.Open(ui.Config{Site: sess.Site, User: me, Server: sess.profile.Server, Addr: addr, AllowRemote: allowRemote})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "medperf ui: serving %s as %s on %s\n", srv.URL(), me.Email, cl.URL())
		fmt.Fprintf(e.stdout, "Open this link to sign in (it works once):\n  %s\nStop with Ctrl-C.\n", srv.SignInURL())
		if !noBrowser {
			openBrowser(e, srv.SignInURL())
		}
		<-ctx.Done()
		fmt.Fprintln(e.stderr, "medperf ui: stopping (running jobs stop; their journals are kept, continue them in the app or the command line)")
		return srv.Close()
	}
	return c
}

// openBrowser opens url with xdg-open when there is one and a display;
// without either it only says so: the link printed is enough.
func openBrowser(e *env, url string) {
	bin, err := exec.LookPath("xdg-open")
	if err != nil || (os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "") {
		fmt.Fprintln(e.stderr, "medperf ui: no browser to open here; open the link above in a browser on this machine")
		return
	}
	cmd := exec.Command(bin, url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(e.stderr, "medperf ui: could not open a browser (%v); open the link above yourself\n", err)
		return
	}
	go cmd.Wait()
}
