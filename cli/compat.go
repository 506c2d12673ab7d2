package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/medperf/medperf"
)

// MedPerf's command line, accepted as MedPerf users type it.
//
// One mechanism, applied to the tree after it is built (applyCompat) and to
// the arguments before cobra sees them (rewriteArgs), so that no command
// file spells out MedPerf's names:
//
//   - flag names are normalized underscore→dash on every command
//     (--data_path is --data-path), so MedPerf's typer spellings of our own
//     flags need no entry at all;
//   - flagAliases adds hidden flags that forward every value to the flag they
//     stand for (FlagSet.Set on the target: same variable, Changed set on the
//     target, so precedence rules that ask Changed("runtime") see it);
//   - commandAliases and the underscore rule rewrite the leading command
//     words (set_operational → set-operational, result create → benchmark run);
//     nothing is added to the tree, so nothing shows in --help.
//
// docs/medperf-compat.md lists every alias; compat_test.go checks that it
// does, and that each alias lands in the same place as its target.

// flagAlias is a hidden MedPerf spelling of one of our flags.
type flagAlias struct {
	// cmds are the command paths (without "medperf") that get the alias;
	// empty means every command that has the target flag.
	cmds []string
	// name and short are MedPerf's spelling (name in dash form: underscores
	// are normalized before lookup). short may be "".
	name, short string
	// target is our flag's name.
	target string
	// negate makes a bool alias set the target to the opposite value
	// (MedPerf's --operational is our --development=false).
	negate bool
}

// flagAliases are MedPerf's flag spellings that differ from ours by more
// than underscores.
var flagAliases = []flagAlias{
	{cmds: []string{"container submit", "model submit"}, name: "container-config-file", target: "container-config"},
	{cmds: []string{"container submit", "model submit"}, name: "additional-file", target: "additional-files"},
	{cmds: []string{"container submit", "model submit", "benchmark submit"}, name: "operational", target: "development", negate: true},
	{cmds: []string{"benchmark submit"}, name: "data-preparation-container", target: "data-preparation-mlcube"},
	{cmds: []string{"benchmark submit"}, name: "reference-model", target: "reference-model-mlcube"},
	{cmds: []string{"benchmark submit"}, name: "evaluator-container", target: "evaluator-mlcube"},
	{cmds: []string{"benchmark update-associations-policy"}, name: "dataset-auto-approve-mode", target: "dataset-mode"},
	{cmds: []string{"benchmark update-associations-policy"}, name: "model-auto-approve-mode", target: "model-mode"},
	{cmds: []string{"benchmark update-associations-policy"}, name: "dataset-file", target: "dataset-allowlist"},
	{cmds: []string{"benchmark update-associations-policy"}, name: "model-file", target: "model-allowlist"},
	{cmds: []string{"container run-test"}, name: "container", target: "config"},
	{cmds: []string{"container run-test"}, name: "parameters-file-path", target: "parameters"},
	{cmds: []string{"container run-test"}, name: "additional-files-path", target: "additional-files"},
	{cmds: []string{"container run-test"}, name: "output-logs", target: "log"},
	{cmds: []string{"container run-test"}, name: "mounts", target: "mount"},
	{cmds: []string{"test run"}, name: "data-path", target: "data"},
	{cmds: []string{"test run"}, name: "labels-path", target: "labels"},
	{cmds: []string{"test run"}, name: "demo-dataset-url", target: "demo-url"},
	{cmds: []string{"test run"}, name: "demo-dataset-hash", target: "demo-hash"},
	{cmds: []string{"association ls"}, name: "approval-status", target: "status"},
	{cmds: []string{"result ls"}, name: "unregistered", target: "local"},
	{cmds: []string{"container view", "model view", "benchmark view", "dataset view", "result view"}, name: "format", short: "f", target: "output"},
	{cmds: []string{"model grant-access", "container grant-access"}, name: "allowed-emails", target: "emails"},
	{name: "data-uid", target: "dataset"},
	{name: "benchmark-uid", target: "benchmark"},
	{name: "model-uid", target: "model"},
	{name: "platform", target: "runtime"},
}

// commandAlias is a MedPerf command spelled differently by us: the leading
// command words from are replaced by the arguments to.
type commandAlias struct{ from, to string }

// commandAliases are MedPerf's commands whose names differ from ours by
// more than underscores (those are handled by the underscore rule).
var commandAliases = []commandAlias{
	{"result create", "benchmark run"},
	{"result show_local_results", "result ls --local"},
	{"model revoke_user_access", "model revoke-access"},
	{"container revoke_user_access", "container revoke-access"},
	{"mlcube revoke_user_access", "container revoke-access"},
}

// rewriteArgs replaces MedPerf's command words at the start of args by ours:
// the commandAliases, and any command word with underscores whose dashed
// form is a subcommand. Flags and what follows them are left as they are.
func rewriteArgs(root *cobra.Command, args []string) []string {
	for _, a := range commandAliases {
		from := strings.Fields(a.from)
		if len(args) >= len(from) && slices.Equal(args[:len(from)], from) {
			args = append(strings.Fields(a.to), args[len(from):]...)
			break
		}
	}
	out := slices.Clone(args)
	c := root
	for i, a := range out {
		if strings.HasPrefix(a, "-") {
			break
		}
		next := findChild(c, a)
		if next == nil && strings.Contains(a, "_") {
			if next = findChild(c, strings.ReplaceAll(a, "_", "-")); next != nil {
				out[i] = next.Name()
			}
		}
		if next == nil {
			break
		}
		c = next
	}
	return out
}

// findChild returns c's subcommand named (or aliased) name, or nil.
func findChild(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || slices.Contains(sub.Aliases, name) {
			return sub
		}
	}
	return nil
}

// applyCompat adds MedPerf's spellings to the built tree: the underscore
// normalization and the hidden flag aliases on every command, the hidden
// commands that explain what we do instead, and "did you mean" for unknown
// commands and flags.
func applyCompat(root *cobra.Command) {
	if auth := findChild(root, "auth"); auth != nil {
		auth.AddCommand(newAuthSynapseCmd())
	}
	walkCommands(root, func(c *cobra.Command) {
		if !hasUnderscoreFlag(c) {
			c.Flags().SetNormalizeFunc(dashFlagNames)
			c.PersistentFlags().SetNormalizeFunc(dashFlagNames)
		}
		addFlagAliases(c)
		if c.HasSubCommands() {
			c.SuggestionsMinimumDistance = 2
			suggestUnknownCommands(c)
		}
	})
	flagErr := root.FlagErrorFunc()
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return flagErr(c, withFlagSuggestion(c, err))
	})
}

// dashFlagNames is the normalization of every flag set: MedPerf's typer
// apps accept --data_path where we say --data-path.
func dashFlagNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	return pflag.NormalizedName(strings.ReplaceAll(name, "_", "-"))
}

// hasUnderscoreFlag reports whether c has flags spelled with underscores on
// purpose (`demo cube` takes a container's mount keys as flags): such a
// command keeps its names as they are.
func hasUnderscoreFlag(c *cobra.Command) bool {
	found := false
	c.Flags().VisitAll(func(f *pflag.Flag) { found = found || strings.Contains(f.Name, "_") })
	return found
}

func walkCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, sub := range c.Commands() {
		walkCommands(sub, fn)
	}
}

// commandKey is c's path without the root's name: "dataset submit".
func commandKey(c *cobra.Command) string {
	_, rest, _ := strings.Cut(c.CommandPath(), " ")
	return rest
}

// aliasesOf returns the flag aliases that apply to c: those naming its
// path, and the unqualified ones whose target c has. An alias whose name c
// already has as a flag of its own is left out (ours wins).
func aliasesOf(c *cobra.Command) []flagAlias {
	var out []flagAlias
	key := commandKey(c)
	for _, a := range flagAliases {
		if len(a.cmds) > 0 && !slices.Contains(a.cmds, key) {
			continue
		}
		if c.Flags().Lookup(a.target) == nil || c.Flags().Lookup(a.name) != nil {
			continue
		}
		if a.short != "" && c.Flags().ShorthandLookup(a.short) != nil {
			continue
		}
		out = append(out, a)
	}
	return out
}

// addFlagAliases adds c's aliases as hidden flags that forward to their
// targets.
func addFlagAliases(c *cobra.Command) {
	fs := c.Flags()
	for _, a := range aliasesOf(c) {
		target := fs.Lookup(a.target)
		v := &aliasValue{fs: fs, target: target, alias: a}
		f := fs.VarPF(v, a.name, a.short, "MedPerf's spelling of --"+a.target)
		f.NoOptDefVal = target.NoOptDefVal
		if a.negate {
			f.NoOptDefVal = "true"
		}
		f.Hidden = true
	}
}

// aliasValue is the value of a hidden alias flag: every Set goes to the
// target flag through its flag set, so the target is marked changed exactly
// as if it had been given.
type aliasValue struct {
	fs     *pflag.FlagSet
	target *pflag.Flag
	alias  flagAlias
}

func (v *aliasValue) Set(s string) error {
	if v.alias.negate {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		s = strconv.FormatBool(!b)
	}
	return v.fs.Set(v.target.Name, s)
}

func (v *aliasValue) String() string { return "" }
func (v *aliasValue) Type() string   { return v.target.Value.Type() }

// suggestUnknownCommands makes an unknown subcommand of group c a usage
// error that names the nearest subcommands, instead of printing help with
// status 0. Groups with a RunE of their own that handles arguments keep
// it for known words and only gain the suggestion.
func suggestUnknownCommands(c *cobra.Command) {
	run := c.RunE
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			if run != nil {
				return run(c, args)
			}
			return c.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + quoteJoin(c.CommandPath(), s) + "?"
		}
		return medperf.Errorf(medperf.CodeInvalid, "%s (see '%s --help')", msg, c.CommandPath())
	}
}

func quoteJoin(prefix string, names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + prefix + " " + n + "'"
	}
	return strings.Join(q, " or ")
}

// withFlagSuggestion adds the nearest flag names of c to an unknown-flag
// error; other errors are returned as they are.
func withFlagSuggestion(c *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if !asNotExist(err, &ne) {
		return err
	}
	name := ne.GetSpecifiedName()
	if len(name) < 2 {
		return err
	}
	var best []string
	bestD := 3 // at most 2 edits, as for commands
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(strings.ReplaceAll(strings.ToLower(name), "_", "-"), f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		switch {
		case d < bestD:
			best, bestD = []string{"--" + f.Name}, d
		case d == bestD:
			best = append(best, "--"+f.Name)
		}
	})
	if len(best) == 0 {
		return err
	}
	return fmt.Errorf("%w; did you mean %s?", err, strings.Join(best, " or "))
}

func asNotExist(err error, target **pflag.NotExistError) bool { return errors.As(err, target) }

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// newAuthSynapseCmd is MedPerf's `auth synapse_login`, which we do not
// have: it says so and what to use instead, with the usage status.
func newAuthSynapseCmd() *cobra.Command {
	return &cobra.Command{Use: "synapse-login", Hidden: true, Args: cobra.ArbitraryArgs,
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			return medperf.Errorf(medperf.CodeInvalid, "there is no Synapse login in this medperf: "+
				"ask your server's admin for a token ('medperf admin user add' prints one) and log in with "+
				"'medperf auth login --server URL --token TOKEN'")
		}}
}

// isFlagAlias reports whether f is one of the hidden MedPerf aliases
// applyCompat added to c.
func isFlagAlias(f *pflag.Flag) bool {
	_, ok := f.Value.(*aliasValue)
	return ok && f.Hidden
}

// appliedAliases are the flag aliases applyCompat gave c.
func appliedAliases(c *cobra.Command) []flagAlias {
	var out []flagAlias
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if v, ok := f.Value.(*aliasValue); ok {
			out = append(out, v.alias)
		}
	})
	return out
}
