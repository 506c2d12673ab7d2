package client

import (
	"context"

	"github.com/medperf/medperf"
)

// PageFunc lists one page of a list endpoint: typically a closure that sets
// the Page of a filter and calls a List method of Client.
type PageFunc[T any] func(ctx context.Context, p medperf.Page) (*medperf.List[T], error)

// Collect walks the pages of list by keyset cursor (each page starts after
// the last item of the page before, so items added or removed meanwhile
// never shift a page, and a deep page costs what the first does), at most
// medperf.MaxPageSize items a page, and returns the first limit items
// (every item when limit <= 0) with the list's total as the first page
// reported it (it asks for the total once). The items are never nil. It
// checks ctx before each page and returns its error (CodeCanceled) once
// ctx is done; it returns the first error of list as it is. It ends at a
// page without a next cursor or an empty page.
func Collect[T any](ctx context.Context, limit int, list PageFunc[T]) ([]T, int, error) {
	items, total, cursor := []T{}, 0, ""
	for first := true; ; first = false {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		p := medperf.Page{Limit: medperf.MaxPageSize, Keyset: true, Cursor: cursor, Total: first}
		if limit > 0 {
			p.Limit = min(p.Limit, limit-len(items))
		}
		l, err := list(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		if first {
			total = l.Total
		}
		items = append(items, l.Items...)
		if limit > 0 && len(items) > limit { // a server that ignored the page size
			items = items[:limit]
		}
		if len(l.Items) == 0 || l.Next == "" || (limit > 0 && len(items) >= limit) {
			return items, max(total, len(items)), nil
		}
		cursor = l.Next
	}
}

// All returns every item of list: Collect without a maximum.
func All[T any](ctx context.Context, list PageFunc[T]) ([]T, error) {
	items, _, err := Collect(ctx, 0, list)
	return items, err
}
