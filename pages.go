package medperf

// AllPages returns every item of a paginated list. It calls list with
// pages of MaxPageSize items, from offset 0, until it holds List.Total
// items or a page comes back empty (so a list that shrinks while it is
// read still ends), and returns the first error list returns. It is the
// one "every page" loop of the server side: the dashboard and package
// leaderboard read whole lists through it.
func AllPages[T any](list func(Page) (*List[T], error)) ([]T, error) {
	p := Page{Limit: MaxPageSize}
	var out []T
	for {
		page, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		p.Offset += len(page.Items)
		if len(page.Items) == 0 || p.Offset >= page.Total {
			return out, nil
		}
	}
}
