package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	hc, err := e.httpClient()
	if err != nil {
		return nil, p, err
	}
	c, err := client.New(p.Server, p.Token, hc)
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
	var fromStdin bool
	c := &cobra.Command{
		Use:   "login --server URL",
		Short: "Check a token against a server and save it as the current profile (mode 0600)",
		Long: "Check a token against the server's /api/v1/me and save the server and token as the current profile\n" +
			"in $MEDPERF_HOME/profiles.yaml (mode 0600); one profile per server. The token is asked for without\n" +
			"echo on a terminal, else read as one line from standard input (--token-stdin says so explicitly),\n" +
			"which keeps it out of the process list and the shell history. --token TOKEN still works for scripts,\n" +
			"with a warning: other users of the machine can see it.",
		Example: "  medperf auth login --server https://medperf.example.org\n" +
			"  medperf auth login --server https://medperf.example.org --token-stdin < token.txt",
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&server, "server", "", "server URL, e.g. https://medperf.example.org (required)")
	c.Flags().StringVar(&token, "token", "", "API token (visible in the process list: prefer the prompt or --token-stdin), or - for standard input")
	c.Flags().BoolVar(&fromStdin, "token-stdin", false, "read the token as one line from standard input")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if server == "" {
			return medperf.FieldError("--server", "is required")
		}
		var err error
		if token, err = e.loginToken(token, fromStdin); err != nil {
			return err
		}
		hc, err := e.httpClient()
		if err != nil {
			return err
		}
		cl, err := client.New(server, token, hc)
		if err != nil {
			return err
		}
		u, err := cl.Me(cmd.Context())
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
		logKey, err := pinLogKey(cmd.Context(), e, cl, old)
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

// loginToken returns the token to log in with: the --token argument (with
// a warning on stderr: the process list shows it to every user), else one
// line of standard input, asked for without echo when it is a terminal.
func (e *env) loginToken(arg string, fromStdin bool) (string, error) {
	if arg != "" && arg != "-" {
		if fromStdin {
			return "", medperf.FieldError("--token", "give the token with --token or --token-stdin, not both")
		}
		fmt.Fprintln(e.stderr, "medperf: warning: a token given with --token is visible to other users in the process list and stays in the shell history; use the prompt or --token-stdin")
		return arg, nil
	}
	var line string
	var err error
	if f, ok := e.stdin.(*os.File); ok && arg == "" && !fromStdin && isTerminal(f) {
		fmt.Fprint(e.stderr, "Token: ")
		line, err = readHidden(f)
		fmt.Fprintln(e.stderr)
	} else {
		line, err = bufio.NewReader(e.stdin).ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if err != nil {
		return "", medperf.Errorf(medperf.CodeInvalid, "cannot read the token: %v", err)
	}
	token := strings.TrimSpace(line)
	if token == "" {
		return "", medperf.FieldError("--token", "no token was given: type it at the prompt, or pipe it with --token-stdin")
	}
	return token, nil
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
		u, err := cl.Me(cmd.Context())
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
		Short: "Revoke the token of the current server (or of --server) there, and forget it here",
		Long: "Revoke the profile's token on the server, then remove the profile from $MEDPERF_HOME/profiles.yaml.\n" +
			"The server revokes it when it is your only live token (it cannot tell which of several this machine\n" +
			"uses: then revoke it with 'medperf token revoke ID'). When the server does not answer, the profile is\n" +
			"still removed, and the token stays valid there until you revoke it.",
		Args: cobra.NoArgs,
	}
	c.Flags().StringVar(&server, "server", "", "the server to log out of (default: the current one)")
	keep := c.Flags().Bool("keep-token", false, "only forget the token here; it stays valid on the server")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
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
		p, found := profiles.Get(server)
		if server == "" || !found {
			return medperf.Errorf(medperf.CodeNotFound, "not logged in to %q", server)
		}
		if !*keep {
			e.revokeOnLogout(cmd.Context(), p)
		}
		profiles.Remove(server)
		if err := profiles.Save(home); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "logged out of %s\n", config.NormalizeServer(server))
		return nil
	}
	return c
}

// revokeOnLogout revokes p's token on its server when it can tell which
// token that is (the caller's only live one), and says on stderr what it
// did; it never fails the logout.
func (e *env) revokeOnLogout(ctx context.Context, p config.Profile) {
	hc, err := e.httpClient()
	if err != nil {
		hc = nil
	}
	cl, err := client.New(p.Server, p.Token, hc)
	if err == nil {
		var ts []medperf.Token
		if ts, err = cl.ListTokens(ctx); err == nil {
			e.revokeOnly(ctx, cl, ts)
			return
		}
	}
	switch medperf.ErrorCode(err) {
	case medperf.CodeUnauthorized:
		fmt.Fprintln(e.stderr, "The server already refuses this token (revoked or unknown).")
	default:
		fmt.Fprintf(e.stderr, "Could not reach the server to revoke the token (%s): it stays valid there until you revoke it with 'medperf token revoke ID' (see 'medperf token ls').\n", medperf.ErrorMessage(err))
	}
}

// revokeOnly revokes the caller's only live token of ts, which is then the
// one cl sends, or says why it did not.
func (e *env) revokeOnly(ctx context.Context, cl *client.Client, ts []medperf.Token) {
	var live []medperf.Token
	for _, t := range ts {
		if t.RevokedAt == nil {
			live = append(live, t)
		}
	}
	if len(live) != 1 {
		fmt.Fprintf(e.stderr, "You have %d live tokens on the server and it cannot tell which one this machine uses: none was revoked; revoke this one with 'medperf token revoke ID' (see 'medperf token ls').\n", len(live))
		return
	}
	if err := cl.RevokeToken(ctx, live[0].ID); err != nil {
		fmt.Fprintf(e.stderr, "Could not revoke token %d on the server (%s): revoke it with 'medperf token revoke %d'.\n", live[0].ID, medperf.ErrorMessage(err), live[0].ID)
		return
	}
	fmt.Fprintf(e.stderr, "Revoked token %d (%s) on the server: logging in again takes a new token (from 'medperf token create' on another machine, or from an admin).\n", live[0].ID, live[0].Name)
}
