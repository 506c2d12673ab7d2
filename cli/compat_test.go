package cli

import (
	"errors"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medperf/medperf"
)

// outOfScope are the MedPerf spellings of testdata/medperf-cli.md (a copy of
// docs' reference list of MedPerf's commands) that our tree does not accept,
// each with the reason. "cmd|*" is a whole command. A spelling listed here
// that the tree accepts fails the test, so the list never goes stale.
var outOfScope = map[string]string{
	"dataset train|*":                     "federated training is out of scope",
	"training|*":                          "federated training is out of scope",
	"aggregator|*":                        "federated training is out of scope",
	"ca|*":                                "certificates serve federated training and encrypted models: out of scope",
	"certificate|*":                       "certificates serve federated training and encrypted models: out of scope",
	"confidential|*":                      "confidential computing is out of scope",
	"asset|*":                             "models as files run by a script are out of scope: models are containers",
	"web-ui run|*":                        "no web UI command of this name: 'medperf ui' is ours (another design)",
	"container create|*":                  "container templates: not offered (docs/containers.md shows a minimal container)",
	"container grant_access|*":            "encrypted models are out of scope here (trust package, later)",
	"container auto_grant_access|*":       "encrypted models are out of scope here",
	"container revoke_user_access|*":      "encrypted models are out of scope here",
	"container delete_keys|*":             "encrypted models are out of scope here",
	"container check_access|*":            "encrypted models are out of scope here",
	"model submit|--asset-path":           "models as files are out of scope",
	"model submit|--asset-url":            "models as files are out of scope",
	"container ls|--unregistered":         "nothing is kept unregistered: submit registers at once",
	"mlcube ls|--unregistered":            "nothing is kept unregistered: submit registers at once",
	"model ls|--unregistered":             "nothing is kept unregistered: submit registers at once",
	"benchmark ls|--unregistered":         "nothing is kept unregistered: submit registers at once",
	"dataset ls|--unregistered":           "nothing is kept unregistered: submit registers at once",
	"container view|--unregistered":       "nothing is kept unregistered: submit registers at once",
	"result view|--unregistered":          "local results are shown by 'result ls --local'",
	"container view|--mine":               "a view shows one entity by id: there is nothing to filter",
	"model view|--mine":                   "a view shows one entity by id: there is nothing to filter",
	"model view|--unregistered":           "nothing is kept unregistered: submit registers at once",
	"result view|--mine":                  "a view shows one entity by id: there is nothing to filter",
	"result view|-b":                      "a view shows one result by id; 'result ls -b' lists a benchmark's",
	"container ls|--active":               "we have no is_active flag: --state OPERATION and --valid say the same",
	"mlcube ls|--active":                  "we have no is_active flag: --state OPERATION and --valid say the same",
	"benchmark ls|--active":               "we have no is_active flag: --state OPERATION and --valid say the same",
	"container run_test|-P":               "network ports: containers never get a network with patient data",
	"container run_test|--ports":          "network ports: containers never get a network with patient data",
	"container run_test|--download":       "run-test always fetches what it needs, verified by hash",
	"benchmark run|-f":                    "-f is our view's format alias; give the models with -m (repeatable)",
	"benchmark run|--models-from-file":    "give the models with -m (repeatable)",
	"dataset submit|-p":                   "the preparator is the benchmark's (-b): it is not chosen separately",
	"dataset submit|--data_prep":          "the preparator is the benchmark's (-b): it is not chosen separately",
	"dataset submit|-m":                   "metadata of the raw data is not registered",
	"dataset submit|--metadata_path":      "metadata of the raw data is not registered",
	"dataset submit|--submit-as-prepared": "data is always prepared by the benchmark's preparator, so that its hash can be checked",
	"dataset associate|-t":                "no approval-timeout flag: the request waits for the benchmark owner",
	"dataset associate|--no-cache":        "nothing is cached: the reference model always runs afresh on the dataset",
	"auth login|-e":                       "no passwordless email login: an admin issues tokens (auth login --token)",
	"profile activate|--server":           "profile activate takes the server as its argument",
	"profile ls|--server":                 "profile ls lists every server's profile",
	"profile view|--server":               "profile view takes the server as its argument",
	"profile delete|--server":             "profile delete takes the server as its argument",
	"benchmark run|--*_timeout":           "per-task timeouts are --timeout TASK=DURATION (values with units)",
	"benchmark run|--loglevel":            "log levels are the other flags of issue 13 (--verbose / --log-level)",
	"benchmark run|--container-loglevel":  "containers' output goes to the task log; no level of their own",
}

// spelling is one MedPerf command line to check, from a row of the list.
type spelling struct {
	cmd  string // MedPerf's command path, as typed
	flag string // "" for the command itself
}

var (
	backticked  = regexp.MustCompile("`([^`]+)`")
	flagToken   = regexp.MustCompile(`(?:^|[\s,(/` + "`" + `])(--?[A-Za-z*][A-Za-z0-9_*-]*)`)
	wordToken   = regexp.MustCompile("`([a-z*][a-z_*-]*)`")
	rowCommands = regexp.MustCompile("^`")
)

// parseReference reads the rows of the table of MedPerf's commands.
func parseReference(t *testing.T) []spelling {
	t.Helper()
	b, err := os.ReadFile("testdata/medperf-cli.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []spelling
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		cmds := rowCommandPaths(cells[1])
		if strings.HasPrefix(strings.TrimSpace(cells[1]), "options on every command") {
			cmds = []string{"benchmark run"} // a command that has them all
		} else if !rowCommands.MatchString(strings.TrimSpace(cells[1])) {
			continue
		}
		rows++
		group := strings.Fields(cmds[0])[0]
		for _, c := range cmds {
			out = append(out, spelling{cmd: c})
		}
		for _, seg := range strings.Split(cells[2], ";") {
			seg, _, _ = strings.Cut(seg, "→") // MedPerf's spelling is left of the arrow
			for _, f := range flagsOf(seg) {
				for _, c := range cmds {
					out = append(out, spelling{cmd: c, flag: f})
				}
			}
			for _, m := range wordToken.FindAllStringSubmatch(seg, -1) {
				if w := m[1]; strings.Contains(w, "*") {
					for _, kind := range []string{"dataset", "model"} { // *_auto_approve_mode
						for _, c := range cmds {
							out = append(out, spelling{cmd: c, flag: "--" + strings.ReplaceAll(w, "*", kind)})
						}
					}
				} else if !slices.Contains(strings.Fields(cmds[0]), w) {
					out = append(out, spelling{cmd: group + " " + w})
				}
			}
		}
	}
	if rows < 35 {
		t.Fatalf("found %d rows in testdata/medperf-cli.md, want the whole table", rows)
	}
	return out
}

// rowCommandPaths are the commands a row's first cell names: the first in
// full, the next ones in full when they have a space, else relative to the
// first one's group.
func rowCommandPaths(cell string) []string {
	var out []string
	for i, m := range backticked.FindAllStringSubmatch(cell, -1) {
		c := m[1]
		if i > 0 && !strings.Contains(c, " ") && !strings.HasPrefix(c, "-") {
			if first := strings.Fields(out[0]); len(first) > 1 {
				c = first[0] + " " + c
			}
		}
		out = append(out, c)
	}
	return out
}

func flagsOf(seg string) []string {
	var out []string
	for _, m := range flagToken.FindAllStringSubmatch(seg, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

var errUnknownCommand = errors.New("unknown command")

// parseLine parses args as the CLI would, without running anything: the
// MedPerf rewriting, the command lookup, the flags. It returns
// errUnknownCommand or a *pflag.NotExistError for what is not accepted.
func parseLine(args []string) (*cobra.Command, error) {
	root := newRootCmd(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	args = rewriteArgs(root, args)
	c, rest, err := root.Find(args)
	if err != nil {
		return nil, errUnknownCommand
	}
	if c.DisableFlagParsing {
		return c, nil
	}
	if err := c.ParseFlags(rest); err != nil {
		return c, err
	}
	if c.HasSubCommands() && len(c.Flags().Args()) > 0 {
		return c, errUnknownCommand
	}
	return c, nil
}

// accepted reports whether our tree accepts MedPerf's spelling s: the
// command is found, and the flag is known (given a value when it takes one).
func accepted(s spelling) error {
	args := strings.Fields(s.cmd)
	if s.flag == "" {
		_, err := parseLine(args)
		return err
	}
	_, err := parseLine(append(args, s.flag, "1"))
	var ne *pflag.NotExistError
	if errors.As(err, &ne) || errors.Is(err, errUnknownCommand) {
		return err
	}
	return nil
}

func TestMedPerfSpellingsAreAccepted(t *testing.T) {
	used := map[string]bool{}
	for _, s := range parseReference(t) {
		key := s.cmd + "|" + s.flag
		reason, exempt := outOfScope[key]
		if !exempt {
			reason, exempt = outOfScope[s.cmd+"|*"]
			key = s.cmd + "|*"
		}
		err := accepted(s)
		switch {
		case exempt && err == nil && s.flag != "":
			t.Errorf("medperf %s %s is accepted now: remove it from outOfScope (%s)", s.cmd, s.flag, reason)
		case exempt:
			used[key] = true
		case err != nil:
			t.Errorf("medperf %s %s: not accepted: %v", s.cmd, s.flag, err)
		}
	}
	for key := range outOfScope {
		if !used[key] {
			t.Errorf("outOfScope[%q]: no line of the reference list needs it", key)
		}
	}
}

// TestFlagAliasesLandOnTheirTarget gives each alias and, in a fresh tree,
// its target the same value, and checks that the target ends with the same
// value and is marked changed: an alias behaves exactly like its flag.
func TestFlagAliasesLandOnTheirTarget(t *testing.T) {
	checked := 0
	walkCommands(newRootCmd(&env{}), func(c *cobra.Command) {
		for _, a := range appliedAliases(c) {
			path := strings.Fields(commandKey(c))
			value := sampleValue(c.Flags().Lookup(a.target))
			aliasArgs := append(slices.Clone(path), "--"+strings.ReplaceAll(a.name, "-", "_")+"="+value)
			want := value
			if a.negate {
				aliasArgs[len(aliasArgs)-1] = "--" + a.name
				want = "false"
			}
			got, err := parseLine(aliasArgs)
			if err != nil {
				t.Errorf("%v: %v", aliasArgs, err)
				continue
			}
			ref, err := parseLine(append(slices.Clone(path), "--"+a.target+"="+want))
			if err != nil {
				t.Fatalf("%s --%s: %v", commandKey(c), a.target, err)
			}
			tf, rf := got.Flags().Lookup(a.target), ref.Flags().Lookup(a.target)
			if !tf.Changed || tf.Value.String() != rf.Value.String() {
				t.Errorf("%v: --%s = %q (changed %v), want %q as --%s=%s gives", aliasArgs, a.target, tf.Value.String(), tf.Changed, rf.Value.String(), a.target, want)
			}
			if a.short != "" {
				got, err := parseLine(append(slices.Clone(path), "-"+a.short, value))
				if err != nil || got.Flags().Lookup(a.target).Value.String() != rf.Value.String() {
					t.Errorf("%s -%s %s: %v, --%s = %q", commandKey(c), a.short, value, err, a.target, got.Flags().Lookup(a.target).Value.String())
				}
			}
			checked++
		}
	})
	if checked < len(flagAliases) {
		t.Errorf("checked %d aliases, fewer than the %d entries of flagAliases", checked, len(flagAliases))
	}
}

// TestEveryFlagAliasApplies fails on an entry of flagAliases that no
// command gets (a misspelt command or target).
func TestEveryFlagAliasApplies(t *testing.T) {
	applied := map[string]bool{}
	walkCommands(newRootCmd(&env{}), func(c *cobra.Command) {
		for _, a := range appliedAliases(c) {
			applied[a.name+">"+a.target] = true
		}
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if strings.Contains(f.Name, "_") && !hasUnderscoreFlag(c) {
				t.Errorf("%s --%s: has an underscore but the command is normalized", commandKey(c), f.Name)
			}
		})
	})
	for _, a := range flagAliases {
		if !applied[a.name+">"+a.target] {
			t.Errorf("alias --%s of --%s: no command got it", a.name, a.target)
		}
		for _, cmd := range a.cmds {
			c, err := parseLine(strings.Fields(cmd))
			if err != nil || c.Flags().Lookup(a.name) == nil {
				t.Errorf("alias --%s: command %q lacks it (%v)", a.name, cmd, err)
			}
		}
	}
}

func sampleValue(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "bool":
		return "true"
	case "int", "int64", "int64Slice", "float64":
		return "7"
	case "duration":
		return "3s"
	case "stringArray", "stringSlice":
		return "k=v"
	}
	return "x"
}

// TestCompatDocListsEveryAlias checks docs/medperf-compat.md against the
// tree: every hidden flag alias, every command alias and every command whose
// name has a dash (MedPerf spells it with an underscore) is listed, in
// MedPerf's spelling.
func TestCompatDocListsEveryAlias(t *testing.T) {
	b, err := os.ReadFile("../docs/medperf-compat.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	walkCommands(newRootCmd(&env{}), func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden && !isFlagAlias(f) {
				return
			}
			if isFlagAlias(f) && !strings.Contains(doc, "`--"+strings.ReplaceAll(f.Name, "-", "_")+"`") && !strings.Contains(doc, "`--"+f.Name+"`") {
				t.Errorf("%s --%s: a hidden alias missing from docs/medperf-compat.md", commandKey(c), f.Name)
			}
		})
		if strings.Contains(c.Name(), "-") && c.Parent() != nil && c.Parent().Parent() != nil {
			u := commandKey(c.Parent()) + " " + strings.ReplaceAll(c.Name(), "-", "_")
			if !strings.Contains(doc, "`"+u+"`") {
				t.Errorf("`%s`: MedPerf's spelling of %s missing from docs/medperf-compat.md", u, commandKey(c))
			}
		}
	})
	for _, a := range commandAliases {
		if !strings.Contains(doc, "`"+a.from+"`") {
			t.Errorf("`%s`: a command alias missing from docs/medperf-compat.md", a.from)
		}
	}
}

// TestMedPerfCommandsRun runs MedPerf spellings end to end where they need
// no server: the rewritten command is the one that runs.
func TestMedPerfCommandsRun(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"--version prints the version", []string{"--version"}, 0, "go1."},
		{"run_test is run-test", []string{"container", "run_test", "--help"}, 0, "run-test -m CONFIG"},
		{"mlcube is container", []string{"mlcube", "run_test", "--help"}, 0, "run-test -m CONFIG"},
		{"set_operational is set-operational", []string{"dataset", "set_operational", "--help"}, 0, "set-operational -d ID"},
		{"result create is benchmark run", []string{"result", "create", "--help"}, 0, "--rerun-finalized"},
		{"show_local_results is result ls --local", []string{"result", "show_local_results", "--help"}, 0, "--local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) {
				t.Errorf("exit %d, want %d; stdout %q lacks %q; stderr %q", code, tt.code, out, tt.out, errOut)
			}
		})
	}
}

// TestHiddenFromHelp: no alias shows in any --help.
func TestHiddenFromHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"dataset", "--help"}, {"container", "submit", "--help"}, {"container", "run-test", "--help"}, {"benchmark", "submit", "--help"}} {
		_, out, _ := runCLI(t, args...)
		for _, a := range flagAliases {
			if strings.Contains(out, "--"+a.name+" ") {
				t.Errorf("%v shows the alias --%s", args, a.name)
			}
		}
		for _, bad := range []string{"set_operational", "show_local_results", "synapse"} {
			if strings.Contains(out, bad) {
				t.Errorf("%v shows %s", args, bad)
			}
		}
	}
}

func TestUnknownSpellingsSuggest(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a misspelt command names the nearest", []string{"dataset", "submt"}, "'medperf dataset submit'"},
		{"a misspelt top-level command names the nearest", []string{"benchmrk"}, "'medperf benchmark'"},
		{"a misspelt flag names the nearest", []string{"dataset", "submit", "--labels-pth", "x"}, "--labels-path"},
		{"an unknown group word is an error, not help", []string{"auth", "nope"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tt.args...)
			if code != exitCodes[medperf.CodeInvalid] || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q lacks %q", code, exitCodes[medperf.CodeInvalid], errOut, tt.want)
			}
		})
	}
}

func TestSynapseLoginSaysWhatToUse(t *testing.T) {
	for _, args := range [][]string{{"auth", "synapse_login"}, {"auth", "synapse-login", "-u", "me"}} {
		code, out, errOut := runCLI(t, args...)
		if code != exitCodes[medperf.CodeInvalid] {
			t.Errorf("%v: exit %d, want %d (stdout %q)", args, code, exitCodes[medperf.CodeInvalid], out)
		}
		if !strings.Contains(errOut, "auth login --server URL --token TOKEN") {
			t.Errorf("%v: stderr %q does not say what to use", args, errOut)
		}
	}
}

func TestRewriteArgsLeavesFlagsAlone(t *testing.T) {
	root := newRootCmd(&env{})
	got := rewriteArgs(root, []string{"dataset", "submit", "--name", "set_operational"})
	if want := []string{"dataset", "submit", "--name", "set_operational"}; !slices.Equal(got, want) {
		t.Errorf("rewriteArgs = %v, want %v", got, want)
	}
	got = rewriteArgs(root, []string{"benchmark", "update_associations_policy", "-b", "1"})
	if want := []string{"benchmark", "update-associations-policy", "-b", "1"}; !slices.Equal(got, want) {
		t.Errorf("rewriteArgs = %v, want %v", got, want)
	}
}
