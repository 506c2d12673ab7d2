package cli

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	stamped := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	tests := []struct {
		name            string
		info            *debug.BuildInfo
		version, commit string
		wantVersion     string
		wantCommit      string
	}{
		{"a clone's build is named by its revision", stamped("false"), "", "", "devel+0123456789ab", rev},
		{"a modified clone's build says dirty", stamped("true"), "", "", "devel+0123456789ab-dirty", rev + " (modified)"},
		{"a module version wins over the revision", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}}}, "", "", "v1.2.3", rev},
		{"link-time values win", stamped("false"), "v9", "abc", "v9", "abc"},
		{"no build information stays (devel)", nil, "", "", "(devel)", "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := versionFrom(tt.info, tt.version, tt.commit)
			if v.Version != tt.wantVersion || !strings.HasPrefix(v.Commit, tt.wantCommit) {
				t.Fatalf("got %+v, want version %q commit %q", v, tt.wantVersion, tt.wantCommit)
			}
		})
	}
	t.Run("an unstamped build says how to get a commit", func(t *testing.T) {
		v := versionFrom(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "")
		if !strings.Contains(v.Commit, "-buildvcs") {
			t.Fatalf("commit %q does not say how to stamp the build", v.Commit)
		}
	})
}

func TestDashDashVersion(t *testing.T) {
	code, out, errOut := runCLI(t, "--version")
	if code != 0 || out != VersionLine()+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q, want %q", code, out, errOut, VersionLine())
	}
}
