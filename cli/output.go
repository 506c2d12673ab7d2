package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// Output formats accepted by --output.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

// outputFlag adds --output (-o) to c and returns where its value lands.
// extra lists formats beyond table, json and yaml that c supports (e.g. csv).
func outputFlag(c *cobra.Command, extra ...string) *string {
	formats := append([]string{formatTable, formatJSON, formatYAML}, extra...)
	var v string
	c.Flags().StringVarP(&v, "output", "o", formatTable, "output format: "+strings.Join(formats, ", "))
	c.PreRunE = chainPreRun(c.PreRunE, func(*cobra.Command, []string) error {
		for _, f := range formats {
			if v == f {
				return nil
			}
		}
		return medperf.FieldError("--output", "unknown format %q; use one of %s", v, strings.Join(formats, ", "))
	})
	return &v
}

func chainPreRun(first, then func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	if first == nil {
		return then
	}
	return func(c *cobra.Command, args []string) error {
		if err := first(c, args); err != nil {
			return err
		}
		return then(c, args)
	}
}

// table is a value's table form: a header row and data rows, then blocks
// (nested values as indented YAML) printed below the rows.
type table struct {
	header []string
	rows   [][]string
	blocks []string
}

// render prints v in format to w; for the table format it prints tab.
func render(w io.Writer, format string, v any, tab func() table) error {
	switch format {
	case formatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case formatYAML:
		// Round-trip through JSON so that YAML keys follow the json tags.
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		y, err := jsonToYAML(b)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, y)
		return err
	default:
		return writeTable(w, tab())
	}
}

func writeTable(w io.Writer, t table) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(t.header) > 0 {
		fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	}
	for _, r := range t.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = oneLine(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, b := range t.blocks {
		if _, err := io.WriteString(w, b); err != nil {
			return err
		}
	}
	return nil
}

// wholeNumbers replaces, in a decoded JSON value, the float64 numbers that
// are whole (ids, counts) with int64, which YAML writes without an exponent.
func wholeNumbers(v any) any {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = wholeNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = wholeNumbers(e)
		}
	}
	return v
}

// jsonToYAML is the JSON document raw as block YAML, indented by two spaces
// (keys in the JSON's order is not kept: YAML maps are sorted).
func jsonToYAML(raw []byte) (string, error) {
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return "", err
	}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(wholeNumbers(generic)); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return b.String(), nil
}

// oneLine keeps a cell on its row: line breaks and tabs (which would start a
// new row or column) become single spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// number writes v without the noise of binary arithmetic: rounded to 15
// significant digits, then in the shortest form that reads back as that;
// whole numbers (ids, counts) are written without an exponent.
func number(v float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		r = v
	}
	if r == math.Trunc(r) && math.Abs(r) < 1e15 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}
