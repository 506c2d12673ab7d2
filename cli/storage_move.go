package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/site"
)

// storageMove is what `storage move` prints.
type storageMove struct {
	Server string `json:"server"`
	From   string `json:"from"`
	To     string `json:"to"`
	Files  int    `json:"files"`
}

// newStorageMoveCmd is `medperf storage move FOLDER` (MedPerf's -t/--target
// too): the current server's local storage goes to FOLDER, and the profile
// records it. See site.CopyStorage for how it stays safe.
func newStorageMoveCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "move FOLDER",
		Short: "Move the current server's local storage (datasets, results, caches) to FOLDER and remember it in the profile",
		Long: "Copies the storage to FOLDER (new or empty, not inside the storage), checks every file's sha256 against\n" +
			"the original, records FOLDER in the profile, and only then removes the old folder. A failure leaves\n" +
			"everything where it was. Do not run other medperf commands of this server meanwhile.",
		Args: cobra.MaximumNArgs(1),
	}
	target := c.Flags().StringP("target", "t", "", "the folder (instead of the argument)")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		dst := *target
		if len(args) == 1 {
			if dst != "" {
				return medperf.FieldError("FOLDER", "give the folder as the argument or with -t, not both")
			}
			dst = args[0]
		}
		if dst == "" {
			return medperf.FieldError("FOLDER", "is required: where the storage goes")
		}
		s, err := e.openSite(c.Context(), &siteFlags{}, *out)
		if err != nil {
			return err
		}
		home, err := config.Home(os.Getenv)
		if err != nil {
			return err
		}
		ps, err := config.LoadProfiles(home)
		if err != nil {
			return err
		}
		if _, ok := ps.Get(s.profile.Server); !ok {
			return medperf.Errorf(medperf.CodeInvalid, "no saved profile for %s: log in with 'medperf auth login' first (the profile remembers where the storage is)", s.profile.Server)
		}
		if dst, err = filepath.Abs(dst); err != nil {
			return medperf.FieldError("FOLDER", "%v", err)
		}
		n, err := site.CopyStorage(s.Home, dst)
		if err != nil {
			return err
		}
		ps.SetStorage(s.profile.Server, dst)
		if err := ps.Save(home); err != nil {
			os.RemoveAll(dst) // the profile still names the old storage, which is intact
			return err
		}
		if err := site.RemoveStorage(s.Home); err != nil {
			return err
		}
		m := storageMove{Server: s.profile.Server, From: s.Home, To: dst, Files: n}
		return render(e.stdout, *out, m, kvTable(m))
	}
	return c
}
