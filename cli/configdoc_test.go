package cli

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestConfigurationDocListsEveryFlag walks the whole command tree and checks
// docs/configuration.md's "Every flag" table against it. The rule the table
// follows (and the doc states): every flag of every command has a row,
// marked "setting" (how a command works, the same from one invocation to
// the next: runtime, limits, output format, server, -y...) or "argument"
// (what the command acts on: ids, paths, names, entity fields). A setting
// must also be described, with its unit and default, in the tables above.
// Rows naming a flag that no command has any more fail too.
func TestConfigurationDocListsEveryFlag(t *testing.T) {
	b, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	before, table, ok := strings.Cut(doc, "## Every flag")
	if !ok {
		t.Fatal(`docs/configuration.md has no "## Every flag" section`)
	}
	rows := parseFlagRows(t, table)
	seen := map[string]bool{}
	walkFlags(newRootCmd(&env{}), func(c *cobra.Command, f *pflag.Flag) {
		if isFlagAlias(f) {
			return // MedPerf's spelling: docs/medperf-compat.md lists it (TestCompatDocListsEveryAlias)
		}
		seen[f.Name] = true
		row, ok := rows[f.Name]
		if !ok {
			t.Errorf("%s --%s: no row in docs/configuration.md's flag table", c.CommandPath(), f.Name)
			return
		}
		if f.Shorthand != "" && !row.shorthands[f.Shorthand] {
			t.Errorf("%s --%s: its shorthand -%s is not in its row", c.CommandPath(), f.Name, f.Shorthand)
		}
	})
	names := make([]string, 0, len(rows))
	for name := range rows {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		row := rows[name]
		if !seen[name] {
			t.Errorf("--%s: documented, but no command has this flag", name)
		}
		for kind := range row.kinds {
			if kind != "setting" && kind != "argument" {
				t.Errorf("--%s: kind %q, want setting or argument", name, kind)
			}
		}
		if row.kinds["setting"] && !strings.Contains(before, "`--"+name) {
			t.Errorf("--%s is a setting but no settings table above describes it", name)
		}
	}
}

// flagRow is what the table says of one flag name (possibly over several
// rows, when commands use the name differently).
type flagRow struct {
	shorthands map[string]bool
	kinds      map[string]bool
}

var (
	longFlag  = regexp.MustCompile("`--([A-Za-z0-9_-]+)`")
	shortFlag = regexp.MustCompile("`-([A-Za-z0-9])`")
)

func parseFlagRows(t *testing.T, table string) map[string]*flagRow {
	t.Helper()
	rows := map[string]*flagRow{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.Contains(cells[1], "`--") {
			continue
		}
		for _, m := range longFlag.FindAllStringSubmatch(cells[1], -1) {
			r := rows[m[1]]
			if r == nil {
				r = &flagRow{shorthands: map[string]bool{}, kinds: map[string]bool{}}
				rows[m[1]] = r
			}
			r.kinds[strings.TrimSpace(cells[2])] = true
			for _, s := range shortFlag.FindAllStringSubmatch(cells[1], -1) {
				r.shorthands[s[1]] = true
			}
		}
	}
	if len(rows) == 0 {
		t.Fatal("no flag rows found in docs/configuration.md")
	}
	return rows
}

// walkFlags calls fn for each flag defined on each command of the tree
// (persistent flags where they are defined); cobra's own help flag is left
// out.
func walkFlags(c *cobra.Command, fn func(*cobra.Command, *pflag.Flag)) {
	visit := func(f *pflag.Flag) {
		if f.Name != "help" {
			fn(c, f)
		}
	}
	c.LocalNonPersistentFlags().VisitAll(visit)
	c.PersistentFlags().VisitAll(visit)
	for _, sub := range c.Commands() {
		walkFlags(sub, fn)
	}
}
