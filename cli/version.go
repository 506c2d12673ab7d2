package cli

import (
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit may be set at link time
// (-ldflags "-X github.com/medperf/medperf/cli.Version=v1.2.3"); otherwise they
// come from the build information the Go toolchain embeds: the module
// version, and the VCS revision when the binary was built from a clone with
// VCS stamping on (the default of 'go build'; -buildvcs=false or
// GOFLAGS=-buildvcs=false turns it off).
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
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = nil
	}
	return versionFrom(info, Version, Commit)
}

// versionFrom is the version of a binary with build information info (nil
// when it has none) and the link-time values version and commit, which win.
// A development build ("(devel)") stamped with a revision is named
// devel+<12 hex digits of the revision>, with -dirty when the work tree had
// changes, so that two builds from different commits never print the same.
func versionFrom(info *debug.BuildInfo, version, commit string) versionInfo {
	v := versionInfo{Version: version, Commit: commit, Go: "unknown"}
	if info != nil {
		v.Go = info.GoVersion
		rev, modified := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if v.Commit == "" && rev != "" {
			v.Commit = rev
			if modified {
				v.Commit += " (modified)"
			}
		}
		if v.Version == "" && info.Main.Version != "(devel)" {
			v.Version = info.Main.Version
		}
		if v.Version == "" && rev != "" {
			v.Version = "devel+" + rev[:min(12, len(rev))]
			if modified {
				v.Version += "-dirty"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown (built without VCS stamping: build from a git clone without -buildvcs=false)"
	}
	return v
}

// VersionLine is the one line `medperf --version` prints: the version, the
// commit and the Go version of this binary. Other commands that report the
// version (an alias, the server's /version) call it rather than format
// their own.
func VersionLine() string {
	v := buildVersion()
	return "medperf " + v.Version + " (commit " + v.Commit + ", " + v.Go + ")"
}

func newVersionCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this binary (also: medperf --version)",
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
