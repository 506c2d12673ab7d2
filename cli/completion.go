package cli

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
)

// completionTimeout bounds the request a completion makes to the server: a
// shell waits for it at every Tab.
const completionTimeout = 2 * time.Second

// addCompletions makes the shell complete, on every command of the tree,
// the ids of -b/--benchmark, -d/--dataset and -m/--model and of `view ID`
// (asked from the current server, with a short timeout, and silently
// nothing when it does not answer), --server from the saved profiles,
// --runtime and --output from their fixed lists.
func addCompletions(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) { completeFlag(c, f) })
	c.PersistentFlags().VisitAll(func(f *pflag.Flag) { completeFlag(c, f) })
	if c.Name() == "view" && c.HasParent() && c.ValidArgsFunction == nil {
		if list := idLister(c.Parent().Name()); list != nil {
			c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return completeIDs(list), cobra.ShellCompDirectiveNoFileComp
			}
		}
	}
	for _, sub := range c.Commands() {
		addCompletions(sub)
	}
}

func completeFlag(c *cobra.Command, f *pflag.Flag) {
	var fn func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)
	fixed := func(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return values, cobra.ShellCompDirectiveNoFileComp
		}
	}
	switch f.Name {
	case "benchmark", "dataset", "model":
		if f.Value.Type() != "int64" && f.Value.Type() != "int64Slice" {
			return
		}
		list := idLister(f.Name)
		fn = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return completeIDs(list), cobra.ShellCompDirectiveNoFileComp
		}
	case "server":
		fn = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return savedServers(), cobra.ShellCompDirectiveNoFileComp
		}
	case "runtime":
		fn = fixed("docker", "podman", "apptainer", "local")
	case "output":
		// The formats are in the flag's usage: "output format: table, json, ...".
		_, list, ok := strings.Cut(f.Usage, ": ")
		if !ok {
			return
		}
		fn = fixed(strings.Split(list, ", ")...)
	case "log-level":
		fn = fixed("debug", "info", "warn", "error")
	default:
		return
	}
	// A flag shared by name (persistent, or registered twice) keeps the
	// first function: cobra refuses a second one.
	_ = c.RegisterFlagCompletionFunc(f.Name, fn)
}

// lister lists "ID\tname" of one kind of entity, from one page.
type lister func(ctx context.Context, cl *client.Client) ([]string, error)

func idLister(kind string) lister {
	page := medperf.Page{Limit: 100}
	switch kind {
	case "benchmark":
		return func(ctx context.Context, cl *client.Client) ([]string, error) {
			l, err := cl.ListBenchmarks(ctx, medperf.BenchmarkFilter{Page: page})
			if err != nil {
				return nil, err
			}
			out := make([]string, 0, len(l.Items))
			for _, x := range l.Items {
				out = append(out, id(x.ID)+"\t"+x.Name)
			}
			return out, nil
		}
	case "dataset":
		return func(ctx context.Context, cl *client.Client) ([]string, error) {
			l, err := cl.ListDatasets(ctx, medperf.DatasetFilter{Page: page})
			if err != nil {
				return nil, err
			}
			out := make([]string, 0, len(l.Items))
			for _, x := range l.Items {
				out = append(out, id(x.ID)+"\t"+x.Name)
			}
			return out, nil
		}
	case "model", "container":
		return func(ctx context.Context, cl *client.Client) ([]string, error) {
			f := medperf.ContainerFilter{Page: page}
			if kind == "model" {
				isModel := true
				f.IsModel = &isModel
			}
			l, err := cl.ListContainers(ctx, f)
			if err != nil {
				return nil, err
			}
			out := make([]string, 0, len(l.Items))
			for _, x := range l.Items {
				out = append(out, id(x.ID)+"\t"+x.Name)
			}
			return out, nil
		}
	}
	return nil
}

// completeIDs asks the current server for ids, and gives nothing when it
// cannot: a completion never prints an error.
func completeIDs(list lister) []string {
	p, err := config.ResolveClient(os.Getenv, "", false)
	if err != nil {
		return nil
	}
	cl, err := client.New(p.Server, p.Token, nil)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), completionTimeout)
	defer cancel()
	ids, err := list(ctx, cl)
	if err != nil {
		return nil
	}
	return ids
}

// savedServers lists the servers of the saved profiles.
func savedServers() []string {
	home, err := config.Home(os.Getenv)
	if err != nil {
		return nil
	}
	ps, err := config.LoadProfiles(home)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(ps.Profiles))
	for _, p := range ps.Profiles {
		out = append(out, p.Server)
	}
	return out
}
