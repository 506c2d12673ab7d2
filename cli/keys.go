package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/trust"
)

// keyPath returns the path of the site's signing key file.
func keyPath() (string, error) {
	home, err := config.Home(os.Getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, config.KeyFile), nil
}

// loadSiteKey returns the site's signing key, or CodeNotFound saying how to
// make one.
func loadSiteKey() (*trust.Identity, string, error) {
	path, err := keyPath()
	if err != nil {
		return nil, "", err
	}
	id, err := trust.LoadIdentity(path)
	if medperf.ErrorCode(err) == medperf.CodeNotFound {
		return nil, path, medperf.Errorf(medperf.CodeNotFound, "no signing key at %s: make one with 'medperf keys create'", path)
	}
	return id, path, err
}

func newKeysCmd(e *env) *cobra.Command {
	c := groupCmd("keys", "Manage this site's signing key and the account's registered public keys")
	c.AddCommand(newKeysCreateCmd(e), newKeysLsCmd(e), newKeysRevokeCmd(e))
	return c
}

// keyRow is one key as the commands print it.
func keyTable(keys []medperf.Key) table {
	t := table{header: []string{"ID", "FINGERPRINT", "NAME", "CREATED", "REVOKED"}}
	for _, k := range keys {
		revoked := ""
		if k.RevokedAt != nil {
			revoked = k.RevokedAt.Format("2006-01-02 15:04")
		}
		t.rows = append(t.rows, []string{strconv.FormatInt(k.ID, 10), k.Fingerprint, k.Name, k.CreatedAt.Format("2006-01-02 15:04"), revoked})
	}
	return t
}

func newKeysCreateCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "create [--name NAME]",
		Short: "Make this site's ed25519 signing key (private half stays here, mode 0600) and register its public key",
		Long: "Make an ed25519 key pair in $MEDPERF_HOME/keys/id_ed25519 (OpenSSH format, mode 0600; the public key\n" +
			"in id_ed25519.pub) and register the public key with the server. The private key is never sent.\n" +
			"An existing key file is never overwritten: its public key is registered (again) instead.",
		Args: cobra.NoArgs,
	}
	name := c.Flags().String("name", "", "a name for the key on the server (default: the host name)")
	server := c.Flags().String("server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, _, err := e.newClient(*server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		id, path, err := loadSiteKey()
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			id, err = createSiteKey(path)
		}
		if err != nil {
			return err
		}
		if *name == "" {
			*name, _ = os.Hostname()
		}
		k, err := registerSiteKey(cmd.Context(), cl, id, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "signing key %s (%s)\n", path, k.Fingerprint)
		return render(e.stdout, *out, k, func() table { return keyTable([]medperf.Key{*k}) })
	}
	return c
}

// createSiteKey makes a key pair at path, creating its directory (0700).
func createSiteKey(path string) (*trust.Identity, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: config.HomeEnv, Message: "cannot create " + filepath.Dir(path), Err: err}
	}
	id, err := trust.NewIdentity()
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return id, trust.SaveIdentity(path, id, "medperf "+host)
}

// registerSiteKey registers id's public key; one registered already by the
// caller is returned as it is.
func registerSiteKey(ctx context.Context, cl *client.Client, id *trust.Identity, name string) (*medperf.Key, error) {
	k, err := cl.RegisterKey(ctx, medperf.KeyInput{PublicKey: id.Public().AuthorizedKey(), Name: name})
	if medperf.ErrorCode(err) != medperf.CodeConflict {
		return k, err
	}
	mine, lerr := cl.ListKeys(ctx, 0)
	if lerr != nil {
		return nil, lerr
	}
	for _, k := range mine {
		if k.Fingerprint == id.Public().Fingerprint() {
			if k.Revoked() {
				return nil, medperf.Errorf(medperf.CodeConflict, "the key %s was revoked: move $MEDPERF_HOME/%s away and run 'medperf keys create' again", k.Fingerprint, config.KeyFile)
			}
			return &k, nil
		}
	}
	return nil, err
}

func newKeysLsCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "ls [--user ID]", Short: "List the account's registered public keys (or another user's)", Args: cobra.NoArgs}
	user := c.Flags().Int64("user", 0, "list this user's keys instead of yours")
	server := c.Flags().String("server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, _, err := e.newClient(*server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		keys, err := cl.ListKeys(cmd.Context(), *user)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, keys, func() table { return keyTable(keys) })
	}
	return c
}

func newKeysRevokeCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "revoke ID", Short: "Revoke one of the account's keys: results it signs are refused from now on", Args: cobra.ExactArgs(1)}
	server := c.Flags().String("server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || id <= 0 {
			return medperf.FieldError("ID", "must be a key id (see 'medperf keys ls')")
		}
		cl, _, err := e.newClient(*server, cmd.Flags().Changed("server"))
		if err != nil {
			return err
		}
		k, err := cl.RevokeKey(cmd.Context(), id)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, k, func() table { return keyTable([]medperf.Key{*k}) })
	}
	return c
}

// pinLogKey fetches the server's log key and compares it with the one
// pinned in the profile: the first login pins it, a later login with
// another key is refused (CodeConflict), since it means the server's
// history can no longer be checked against what this client saw. An older
// server without a log gives "" and no error.
func pinLogKey(ctx context.Context, e *env, cl *client.Client, old config.Profile) (string, error) {
	info, err := cl.LogKey(ctx)
	if medperf.ErrorCode(err) == medperf.CodeNotFound {
		fmt.Fprintf(e.stderr, "warning: %s has no transparency log; its history cannot be verified\n", cl.URL())
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if old.LogKey != "" && old.LogKey != info.VerifierKey {
		return "", medperf.Errorf(medperf.CodeConflict,
			"THE SERVER'S LOG KEY CHANGED: %s now signs with %s, not the key pinned at your first login (%s). "+
				"Its history can no longer be checked against what you saw; ask the registry's operator why before trusting it. "+
				"To accept the new key, 'medperf auth logout' and log in again", cl.URL(), info.Fingerprint, old.LogKey)
	}
	verb := "pinned"
	if old.LogKey != "" {
		verb = "matches the pinned key"
	}
	fmt.Fprintf(e.stderr, "server log key %s (%s)\n", info.Fingerprint, verb)
	return info.VerifierKey, nil
}

// siteSigner returns the site's signing key, nil when there is none (the
// site then submits unsigned results, which benchmarks requiring signatures
// refuse with a message naming 'medperf keys create').
func siteSigner() (*trust.Identity, error) {
	id, _, err := loadSiteKey()
	if medperf.ErrorCode(err) == medperf.CodeNotFound {
		return nil, nil
	}
	return id, err
}
