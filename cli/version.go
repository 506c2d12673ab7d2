package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit may be set at link time
// (-ldflags "-X github.com/medperf/medperf/cli.Version=v1.2.3"); otherwise they
// come from the build information the Go toolchain embeds.
var (
	Version = ""
	Commit  = ""
)

// versionInfo is what `medperf version` prints.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
}

func buildVersion() versionInfo {
	v := versionInfo{Version: Version, Commit: Commit, Go: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if ok {
		v.Go = info.GoVersion
		if v.Version == "" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && v.Commit == "" {
				v.Commit = s.Value
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

func newVersionCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary",
		Args:  cobra.NoArgs,
	}
	out := outputFlag(c)
	c.RunE = func(*cobra.Command, []string) error {
		v := buildVersion()
		return render(e.stdout, *out, v, func() table {
			return table{rows: [][]string{{"version", v.Version}, {"commit", v.Commit}, {"go", v.Go}}}
		})
	}
	return c
}
