package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/medperf/medperf"
)

// pageSize is the number of rows of a list page.
const pageSize = 50

func pathID(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, medperf.FieldError(name, "must be a positive integer id, not %q", r.PathValue(name))
	}
	return v, nil
}

// queryID reads an optional positive id from the query; 0 when absent.
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return 0, medperf.FieldError(name, "must be a positive integer id, not %q", s)
	}
	return v, nil
}

// pageOf reads ?offset= into a page of pageSize rows.
func pageOf(r *http.Request) (medperf.Page, error) {
	p := medperf.Page{Limit: pageSize}
	if s := r.URL.Query().Get("offset"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			return p, medperf.FieldError("offset", "must be a non-negative integer, not %q", s)
		}
		p.Offset = v
	}
	return p, nil
}

// pager holds the links to the previous and next pages of a list.
type pager struct {
	Total, From, To int
	Prev, Next      string
}

func newPager(base string, total int, p medperf.Page, shown int) pager {
	pg := pager{Total: total, From: p.Offset + 1, To: p.Offset + shown}
	if shown == 0 {
		pg.From = 0
	}
	sep := "?"
	if containsQuery(base) {
		sep = "&"
	}
	if p.Offset > 0 {
		pg.Prev = fmt.Sprintf("%s%soffset=%d", base, sep, max(0, p.Offset-p.Limit))
	}
	if p.Offset+shown < total {
		pg.Next = fmt.Sprintf("%s%soffset=%d", base, sep, p.Offset+shown)
	}
	return pg
}

func containsQuery(s string) bool {
	for _, c := range s {
		if c == '?' {
			return true
		}
	}
	return false
}

func (h *Handler) home(*http.Request, *medperf.Session) (*result, error) {
	return &result{redirect: "/benchmarks"}, nil
}

// names looks up, and remembers, the names of containers and datasets.
type names struct {
	ctx      context.Context
	svc      medperf.Service
	models   map[int64]string
	datasets map[int64]string
	users    map[int64]medperf.UserCard
}

func (h *Handler) names(ctx context.Context) *names {
	return &names{ctx: ctx, svc: h.cfg.Service, models: map[int64]string{}, datasets: map[int64]string{}, users: map[int64]medperf.UserCard{}}
}

// User returns the card of an account: its name, and its email when the
// viewer may see it. When the account cannot be read, the name is "user
// ID".
func (n *names) User(id int64) medperf.UserCard {
	if c, ok := n.users[id]; ok {
		return c
	}
	c := medperf.UserCard{ID: id, Name: fmt.Sprintf("user %d", id)}
	if got, err := n.svc.UserCard(n.ctx, id); err == nil {
		c = *got
		if c.Name == "" {
			c.Name = fmt.Sprintf("user %d", id)
		}
	}
	n.users[id] = c
	return c
}

// Container returns a container's name, or "#ID" when it cannot be read.
func (n *names) Container(id int64) string {
	if s, ok := n.models[id]; ok {
		return s
	}
	s := fmt.Sprintf("#%d", id)
	if c, err := n.svc.GetContainer(n.ctx, id); err == nil {
		s = c.Name
	}
	n.models[id] = s
	return s
}

// Benchmark returns a benchmark's name, or "#ID" when it cannot be read.
func (n *names) Benchmark(id int64) string {
	key := -id // benchmarks share the models' cache under negative keys
	if s, ok := n.models[key]; ok {
		return s
	}
	s := fmt.Sprintf("#%d", id)
	if b, err := n.svc.GetBenchmark(n.ctx, id); err == nil {
		s = b.Name
	}
	n.models[key] = s
	return s
}

// Dataset returns a dataset's name, or "#ID" when it cannot be read.
func (n *names) Dataset(id int64) string {
	if s, ok := n.datasets[id]; ok {
		return s
	}
	s := fmt.Sprintf("#%d", id)
	if d, err := n.svc.GetDataset(n.ctx, id); err == nil {
		s = d.Name
	}
	n.datasets[id] = s
	return s
}

// Component names the component of an association.
func (n *names) Component(a medperf.Association) string {
	if a.Kind == medperf.KindDataset {
		return n.Dataset(a.ComponentID)
	}
	return n.Container(a.ComponentID)
}

// owners returns the cards of the owners of items, by id, for list pages.
func (h *Handler) owners(r *http.Request, items any) map[int64]medperf.UserCard {
	n := h.names(r.Context())
	out := map[int64]medperf.UserCard{}
	add := func(id int64) { out[id] = n.User(id) }
	switch v := items.(type) {
	case []medperf.Container:
		for _, x := range v {
			add(x.Owner)
		}
	case []medperf.Dataset:
		for _, x := range v {
			add(x.Owner)
		}
	case []medperf.Benchmark:
		for _, x := range v {
			add(x.Owner)
		}
	}
	return out
}
