package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
)

func newAdminCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "admin", Short: "Administer the registry (admins only)"}
	user := &cobra.Command{Use: "user", Short: "Manage user accounts"}
	user.AddCommand(newAdminUserAddCmd(e))
	c.AddCommand(user)
	return c
}

// createdUser is what `admin user add` prints.
type createdUser struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Token string `json:"token"`
}

func newAdminUserAddCmd(e *env) *cobra.Command {
	var (
		in     medperf.NewUser
		server string
	)
	c := &cobra.Command{
		Use:   "add --email EMAIL [--name NAME] [--admin]",
		Short: "Create a user and print their API token, once",
		Args:  cobra.NoArgs,
	}
	c.Flags().StringVar(&in.Email, "email", "", "the user's email (required)")
	c.Flags().StringVar(&in.Name, "name", "", "the user's name")
	c.Flags().BoolVar(&in.IsAdmin, "admin", false, "make the user an admin")
	c.Flags().StringVar(&server, "server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if in.Email == "" {
			return medperf.FieldError("--email", "is required")
		}
		cl, _, err := e.newClient(server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		u, err := cl.CreateUser(context.Background(), in)
		if err != nil {
			return err
		}
		v := createdUser{ID: u.ID, Email: u.Email, Token: u.Token}
		err = render(e.stdout, *out, v, func() table {
			return table{rows: [][]string{{"id", fmt.Sprint(v.ID)}, {"email", v.Email}, {"token", v.Token}}}
		})
		if err == nil && *out == formatTable {
			fmt.Fprintln(e.stderr, "The token is shown only now: give it to the user over a safe channel.")
		}
		return err
	}
	return c
}
