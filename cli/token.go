package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
)

// newTokenCmd is `medperf token`: the caller's own API tokens.
func newTokenCmd(e *env) *cobra.Command {
	c := groupCmd("token", "Create, list and revoke your API tokens")
	c.AddCommand(newTokenCreateCmd(e), newTokenLsCmd(e), newTokenRevokeCmd(e))
	return c
}

// createdToken is what `token create` prints.
type createdToken struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

func newTokenCreateCmd(e *env) *cobra.Command {
	var name, server string
	c := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an API token for your account and print it, once (e.g. one per machine)",
		Args:  cobra.NoArgs,
	}
	c.Flags().StringVar(&name, "name", "", "what the token is for, e.g. the machine that uses it (required)")
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if name == "" {
			return medperf.FieldError("--name", "is required: say what the token is for")
		}
		cl, _, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		t, err := cl.CreateToken(cmd.Context(), name)
		if err != nil {
			return err
		}
		v := createdToken{ID: t.ID, Name: t.Name, Token: t.Secret}
		err = render(e.stdout, *out, v, func() table {
			return table{rows: [][]string{{"id", id(v.ID)}, {"name", v.Name}, {"token", v.Token}}}
		})
		if err == nil && *out == formatTable {
			fmt.Fprintln(e.stderr, "The token is shown only now; log in with it elsewhere: medperf auth login --server URL --token -")
		}
		return err
	}
	return c
}

func newTokenLsCmd(e *env) *cobra.Command {
	var server string
	c := &cobra.Command{Use: "ls", Short: "List your API tokens (never their secrets), revoked ones included", Args: cobra.NoArgs}
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, _, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		ts, err := cl.ListTokens(cmd.Context())
		if err != nil {
			return err
		}
		if ts == nil {
			ts = []medperf.Token{}
		}
		return render(e.stdout, *out, ts, func() table {
			t := table{header: []string{"ID", "NAME", "CREATED", "REVOKED"}}
			for _, tk := range ts {
				revoked := "-"
				if tk.RevokedAt != nil {
					revoked = tk.RevokedAt.Format("2006-01-02 15:04:05")
				}
				t.rows = append(t.rows, []string{id(tk.ID), tk.Name, tk.CreatedAt.Format("2006-01-02 15:04:05"), revoked})
			}
			return t
		})
	}
	return c
}

func newTokenRevokeCmd(e *env) *cobra.Command {
	var server string
	c := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke one of your API tokens at once (see 'medperf token ls')",
		Args:  cobra.ExactArgs(1),
	}
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n <= 0 {
			return medperf.FieldError("ID", "%q is not a token id (see 'medperf token ls')", args[0])
		}
		cl, _, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		if err := cl.RevokeToken(cmd.Context(), n); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %d revoked\n", n)
		return nil
	}
	return c
}
