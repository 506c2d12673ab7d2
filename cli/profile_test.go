package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf/config"
)

func TestProfileCommands(t *testing.T) {
	ts, home := loggedInAsAdmin(t)
	url := ts.URL()
	mustRun := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("medperf %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	mustRun(t, "profile", "set", "--runtime", "local", "--memory", "2g", "--timeout", "infer=1h")
	t.Run("login again keeps the settings", func(t *testing.T) {
		mustRun(t, "auth", "login", "--server", url, "--token", ts.Admin.Token)
		var v profileView
		json.Unmarshal([]byte(mustRun(t, "profile", "view", "-o", "json")), &v)
		if v.Runtime != "local" || v.Memory != "2g" || len(v.Timeouts) != 1 || !v.Current || !v.LoggedIn {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("no output shows the token", func(t *testing.T) {
		for _, f := range []string{"table", "json", "yaml"} {
			for _, args := range [][]string{{"profile", "ls", "-o", f}, {"profile", "view", "-o", f}} {
				if out := mustRun(t, args...); strings.Contains(out, ts.Admin.Token) {
					t.Fatalf("%v shows the token", args)
				}
			}
		}
	})
	mustRun(t, "profile", "create", "--server", "https://other.example.org", "--runtime", "apptainer")
	t.Run("create makes the new profile current, activate switches back", func(t *testing.T) {
		var vs []profileView
		json.Unmarshal([]byte(mustRun(t, "profile", "ls", "-o", "json")), &vs)
		if len(vs) != 2 || !vs[1].Current || vs[1].LoggedIn {
			t.Fatalf("%+v", vs)
		}
		mustRun(t, "profile", "activate", url)
		p, _ := config.LoadProfiles(home)
		if p.Current != url {
			t.Fatalf("current %q", p.Current)
		}
	})
	t.Run("bad settings and unknown profiles are refused", func(t *testing.T) {
		for args, want := range map[string]int{
			"profile set --runtime kubernetes":             2,
			"profile set --timeout infer":                  2,
			"profile set --memory lots":                    2,
			"profile create --server " + url:               6,
			"profile activate https://nowhere.example.org": 5,
			"profile delete https://nowhere.example.org":   5,
		} {
			if code, _, _ := runCLI(t, strings.Fields(args)...); code != want {
				t.Errorf("%s: exit %d, want %d", args, code, want)
			}
		}
	})
	mustRun(t, "profile", "delete", "https://other.example.org")
	if b, _ := os.ReadFile(filepath.Join(home, config.ProfilesFile)); strings.Contains(string(b), "other.example.org") {
		t.Fatal("the deleted profile is still saved")
	}
}
