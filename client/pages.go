package client

import (
	"context"

	"github.com/medperf/medperf"
)

// PageFunc lists one page of a list endpoint: typically a closure that sets
// the Page of a filter and calls a List method of Client.
type PageFunc[T any] func(ctx context.Context, p medperf.Page) (*medperf.List[T], error)

// Collect walks the pages of list from offset 0, at most
// medperf.MaxPageSize items a page, and returns the first limit items
// (every item when limit <= 0) with the list's total as the last page reported it.
// The items are never nil. It checks ctx before each page and returns its
// error (CodeCanceled) once ctx is done; it returns the first error of list
// as it is. It ends at an empty page, so that a list that shrinks while it
// is walked cannot keep it going.
func Collect[T any](ctx context.Context, limit int, list PageFunc[T]) ([]T, int, error) {
	items, total := []T{}, 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		p := medperf.Page{Limit: medperf.MaxPageSize, Offset: len(items)}
		if limit > 0 {
			p.Limit = min(p.Limit, limit-len(items))
		}
		l, err := list(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		items, total = append(items, l.Items...), l.Total
		if limit > 0 && len(items) > limit { // a server that ignored the page size
			items = items[:limit]
		}
		if len(l.Items) == 0 || len(items) >= total || (limit > 0 && len(items) >= limit) {
			return items, max(total, len(items)), nil
		}
	}
}

// All returns every item of list: Collect without a maximum.
func All[T any](ctx context.Context, list PageFunc[T]) ([]T, error) {
	items, _, err := Collect(ctx, 0, list)
	return items, err
}
