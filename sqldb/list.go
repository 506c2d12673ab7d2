package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/medperf/medperf"
)

// where accumulates the conditions of a list query.
type where struct {
	conds []string
	args  []any
}

// add appends a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// addIf appends "col = ?" when v is not the zero value.
func addIf[T comparable](w *where, col string, v T) {
	var zero T
	if v != zero {
		w.add(col+" = ?", v)
	}
}

func (w where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// list runs a paginated query over from (a table, or tables joined) with
// the columns cols, and returns one page and the total count.
func list[T any](ctx context.Context, d *DB, from, cols string, w where, p medperf.Page, scan func(*sql.Rows) (T, error)) (*medperf.List[T], error) {
	p, err := p.Normalize()
	if err != nil {
		return nil, err
	}
	c := d.read()
	total, err := c.count(ctx, `SELECT COUNT(*) FROM `+from+w.sql(), w.args...)
	if err != nil {
		return nil, internal(err)
	}
	out := &medperf.List[T]{Items: []T{}, Total: total, Limit: p.Limit, Offset: p.Offset}
	args := append(append([]any{}, w.args...), p.Limit, p.Offset)
	rows, err := c.query(ctx, `SELECT `+cols+` FROM `+from+w.sql()+` ORDER BY `+firstTable(from)+`id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, internal(err)
		}
		out.Items = append(out.Items, v)
	}
	return out, internal(rows.Err())
}

// firstTable returns the alias prefix ("x.") of the first table of from
// when it has one.
func firstTable(from string) string {
	f := strings.Fields(from)
	if len(f) >= 2 && f[1] != "JOIN" {
		return f[1] + "."
	}
	return ""
}
