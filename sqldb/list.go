package sqldb

import (
	"context"
	"database/sql"
	"reflect"
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
// the columns cols, ordered by the first table's id, and returns one page.
// Offset pages count all matching rows (Total), as they always did; keyset
// pages (Page.Keyset or a Cursor) start after the cursor's id through the
// primary key, so a page deep in a million rows costs what the first does,
// and count only when Page.Total asks, since the count is what costs (over
// a join, most of a results page's time).
func list[T any](ctx context.Context, d *DB, from, cols string, w where, p medperf.Page, scan func(*sql.Rows) (T, error)) (*medperf.List[T], error) {
	p, err := p.Normalize()
	if err != nil {
		return nil, err
	}
	c := d.read()
	out := &medperf.List[T]{Items: []T{}, Total: -1, Limit: p.Limit, Offset: p.Offset}
	if !p.Keyset || p.Total {
		if out.Total, err = c.count(ctx, `SELECT COUNT(*) FROM `+from+w.sql(), w.args...); err != nil {
			return nil, internal(err)
		}
	}
	id := firstTable(from) + "id"
	page := ` ORDER BY ` + id + ` LIMIT ? OFFSET ?`
	if p.Keyset {
		var after int64 // no cursor: the first page
		if p.Cursor != "" {
			after, _ = medperf.DecodeCursor(p.Cursor) // checked by Normalize
		}
		w.add(id+" > ?", after)
		page = ` ORDER BY ` + id + ` LIMIT ?`
	}
	args := append(append([]any{}, w.args...), p.Limit)
	if !p.Keyset {
		args = append(args, p.Offset)
	}
	rows, err := c.query(ctx, `SELECT `+cols+` FROM `+from+w.sql()+page, args...)
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
	if err := rows.Err(); err != nil {
		return nil, internal(err)
	}
	if len(out.Items) == p.Limit {
		out.Next = medperf.EncodeCursor(entityID(out.Items[len(out.Items)-1]))
	}
	return out, nil
}

// entityID returns the ID field of a listed entity. Every entity type of
// the root package has an int64 ID (the primary key lists order by); reading
// it by reflection keeps the list callers unchanged. A type without one is
// a programming error, caught by the tests that page through every list.
func entityID(v any) int64 {
	return reflect.ValueOf(v).FieldByName("ID").Int()
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
