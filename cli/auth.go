package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
)

type pflagFlag = pflag.Flag

// newClient returns a client of the server the configuration names (see
// config.ResolveClient): every command that talks to the server uses it.
func (e *env) newClient(serverFlag string, serverFlagSet bool) (*client.Client, config.Profile, error) {
	p, err := config.ResolveClient(os.Getenv, serverFlag, serverFlagSet)
	if err != nil {
		return nil, p, err
	}
	c, err := client.New(p.Server, p.Token, nil)
	return c, p, err
}

func newAuthCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "auth", Short: "Log in to a medperf server, show or forget the login"}
	c.AddCommand(newAuthLoginCmd(e), newAuthStatusCmd(e), newAuthLogoutCmd(e))
	return c
}

// loginInfo is what login and status print.
type loginInfo struct {
	Server  string `json:"server"`
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	Name    string `json:"name"`
	IsAdmin bool   `json:"is_admin"`
}

func (l loginInfo) table() table {
	return table{rows: [][]string{{"server", l.Server}, {"email", l.Email}, {"name", l.Name},
		{"id", fmt.Sprint(l.ID)}, {"admin", fmt.Sprint(l.IsAdmin)}}}
}

func newAuthLoginCmd(e *env) *cobra.Command {
	var server, token string
	c := &cobra.Command{
		Use:   "login --server URL --token TOKEN",
		Short: "Check a token against a server and save it as the current profile (mode 0600)",
		Long: "Check TOKEN against the server's /api/v1/me and save the server and token as the current profile\n" +
			"in $MEDPERF_HOME/profiles.yaml (mode 0600); one profile per server. Give --token - to read the\n" +
			"token from standard input, which keeps it out of the shell history.",
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&server, "server", "", "server URL, e.g. https://medperf.example.org (required)")
	c.Flags().StringVar(&token, "token", "", "API token, or - to read it from standard input (required)")
	out := outputFlag(c)
	c.RunE = func(*cobra.Command, []string) error {
		if server == "" {
			return medperf.FieldError("--server", "is required")
		}
		if token == "-" {
			line, _ := bufio.NewReader(e.stdin).ReadString('\n')
			token = strings.TrimSpace(line)
		}
		if token == "" {
			return medperf.FieldError("--token", "is required")
		}
		cl, err := client.New(server, token, nil)
		if err != nil {
			return err
		}
		u, err := cl.Me(context.Background())
		if err != nil {
			return err
		}
		home, err := config.Home(os.Getenv)
		if err != nil {
			return err
		}
		profiles, err := config.LoadProfiles(home)
		if err != nil {
			return err
		}
		old, _ := profiles.Get(cl.URL())
		logKey, err := pinLogKey(context.Background(), e, cl, old)
		if err != nil {
			return err
		}
		profiles.Set(config.Profile{Server: cl.URL(), Token: token, LogKey: logKey})
		if err := profiles.Save(home); err != nil {
			return err
		}
		info := loginInfo{Server: cl.URL(), ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin}
		return render(e.stdout, *out, info, info.table)
	}
	return c
}

func newAuthStatusCmd(e *env) *cobra.Command {
	var server string
	c := &cobra.Command{Use: "status", Short: "Show the current server and the account of its token", Args: cobra.NoArgs}
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, p, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		u, err := cl.Me(context.Background())
		if err != nil {
			return err
		}
		info := loginInfo{Server: p.Server, ID: u.ID, Email: u.Email, Name: u.Name, IsAdmin: u.IsAdmin}
		return render(e.stdout, *out, info, info.table)
	}
	return c
}

func newAuthLogoutCmd(e *env) *cobra.Command {
	var server string
	c := &cobra.Command{
		Use:   "logout",
		Short: "Forget the token of the current server (or of --server)",
		Long:  "Remove the profile from $MEDPERF_HOME/profiles.yaml. The token stays valid on the server until revoked.",
		Args:  cobra.NoArgs,
	}
	c.Flags().StringVar(&server, "server", "", "the server to forget (default: the current one)")
	c.RunE = func(*cobra.Command, []string) error {
		home, err := config.Home(os.Getenv)
		if err != nil {
			return err
		}
		profiles, err := config.LoadProfiles(home)
		if err != nil {
			return err
		}
		if server == "" {
			server = profiles.Current
		}
		if server == "" || !profiles.Remove(server) {
			return medperf.Errorf(medperf.CodeNotFound, "not logged in to %q", server)
		}
		if err := profiles.Save(home); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "logged out of %s\n", config.NormalizeServer(server))
		return nil
	}
	return c
}
