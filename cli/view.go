package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// kvTable is the table form of one entity: a row per top-level scalar
// field, then each object or list field as an indented YAML block under its
// name (a container's config is read, not decoded from one line of JSON).
func kvTable(v any) func() table { return kvTableNamed(v, nil) }

// kvTableNamed is kvTable with names next to the ids of fields that hold
// one (see names.field).
func kvTableNamed(v any, n *names) func() table {
	return func() table {
		b, _ := json.Marshal(v)
		var m map[string]any
		json.Unmarshal(b, &m)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		t := table{}
		for _, k := range keys {
			if block, ok := yamlBlock(k, m[k]); ok {
				t.blocks = append(t.blocks, block)
				continue
			}
			if named, ok := n.field(k, m); ok {
				t.rows = append(t.rows, []string{k, named})
				continue
			}
			t.rows = append(t.rows, []string{k, cell(m[k])})
		}
		return t
	}
}

// yamlBlock is a non-empty object or list v as "key:" and v's YAML
// indented under it.
func yamlBlock(key string, v any) (string, bool) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return "", false
		}
	case []any:
		if len(x) == 0 {
			return "", false
		}
	default:
		return "", false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	y, err := jsonToYAML(b)
	if err != nil {
		return "", false
	}
	lines := strings.Split(strings.TrimRight(y, "\n"), "\n")
	return key + ":\n  " + strings.Join(lines, "\n  ") + "\n", true
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return number(x)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func short(h string) string {
	if len(h) > 19 {
		return h[:19] + "…"
	}
	return h
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// idFlag adds a required int64 flag.
func idFlag(c *cobra.Command, name, short, usage string) *int64 {
	v := c.Flags().Int64P(name, short, 0, usage)
	return v
}

func requireID(flag string, v int64) error {
	if v <= 0 {
		return medperf.FieldError("--"+flag, "is required (a positive id)")
	}
	return nil
}

// viewCmd is a `view ID` command of an entity.
func viewCmd(e *env, what string, get func(context.Context, *client.Client, int64) (any, error)) *cobra.Command {
	c := &cobra.Command{Use: "view ID", Short: "Show one " + what, Args: cobra.ExactArgs(1)}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n <= 0 {
			return medperf.FieldError("ID", "%q is not an id", args[0])
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		v, err := get(c.Context(), cl, n)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, v, kvTableNamed(v, newNames(c.Context(), cl)))
	}
	return c
}

// groupCmd is a command group that prints its help.
func groupCmd(use, short string, aliases ...string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Aliases: aliases, Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return medperf.Errorf(medperf.CodeInvalid, "unknown command %q (see '%s --help')", args[0], c.CommandPath())
			}
			return c.Help()
		}}
}

func printf(e *env, format string, args ...any) { fmt.Fprintf(e.stdout, format, args...) }
