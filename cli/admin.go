package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

func newAdminCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "admin", Short: "Administer the registry (admins only)"}
	user := &cobra.Command{Use: "user", Short: "Manage user accounts"}
	user.AddCommand(newAdminUserAddCmd(e), newAdminUserLsCmd(e))
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
		u, err := cl.CreateUser(cmd.Context(), in)
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

func newAdminUserLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls", Short: "List user accounts (admins only)", Args: cobra.NoArgs}
	listCmd(e, c, func(ctx context.Context, cl *client.Client, limit int) ([]medperf.User, int, error) {
		return client.Collect(ctx, limit, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.User], error) {
			return cl.ListUsers(ctx, p)
		})
	}, func(us []medperf.User) table {
		t := table{header: []string{"ID", "EMAIL", "NAME", "ADMIN", "CREATED"}}
		for _, u := range us {
			t.rows = append(t.rows, []string{id(u.ID), u.Email, u.Name, strconv.FormatBool(u.IsAdmin), u.CreatedAt.Format("2006-01-02")})
		}
		return t
	})
	return c
}
