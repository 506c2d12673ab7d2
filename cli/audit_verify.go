package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
)

// auditTable prints a log report.
func auditTable(a client.LogReport) table {
	return table{rows: [][]string{{"server", a.Server}, {"log key", a.Fingerprint}, {"checkpoint", fmt.Sprintf("size %d, root %s", a.Size, a.Root)},
		{"consistent with", fmt.Sprintf("the last checkpoint seen (size %d)", a.Previous)}, {"leaves rebuilt", fmt.Sprint(a.Leaves)},
		{"your signed results included", fmt.Sprint(a.OwnResults)}, {"verdict", "OK: history was not rewritten"}}}
}

// newAuditCmd is the audit group; `audit verify` is its command.
func newAuditCmd(e *env) *cobra.Command {
	c := groupCmd("audit", "Check the registry's transparency log")
	c.AddCommand(newAuditVerifyCmd(e))
	return c
}

func newAuditVerifyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "verify",
		Short: "Check that the registry's history was not rewritten since you last looked, and that your results are in it",
		Long: "Fetch the registry's latest signed checkpoint, check its signature with the log key pinned at login,\n" +
			"check that it extends the last checkpoint this profile saw (a consistency proof), rebuild the root from\n" +
			"every leaf as the registry's rows are now, and check that each of your signed results is in the log with\n" +
			"the metrics you signed. Any failure exits with the conflict status; the checkpoint is kept only on success.",
		Args: cobra.NoArgs,
	}
	server := c.Flags().String("server", "", "a saved server other than the current one")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		cl, p, err := e.newClient(*server, cmd.Flags().Changed("server"))
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
		saved, _ := profiles.Get(p.Server)
		if saved.LogKey == "" {
			return medperf.Errorf(medperf.CodeInvalid, "no log key pinned for %s: log in again with 'medperf auth login' to pin it", p.Server)
		}
		rep, note, err := cl.VerifyLog(cmd.Context(), saved.Server, saved.LogKey, saved.Checkpoint)
		if err != nil {
			return err
		}
		saved.Checkpoint = string(note)
		profiles.Set(saved)
		if err := profiles.Save(home); err != nil {
			return err
		}
		return render(e.stdout, *out, rep, func() table { return auditTable(rep) })
	}
	return c
}
