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
}

func (h *Handler) names(ctx context.Context) *names {
	return &names{ctx: ctx, svc: h.cfg.Service, models: map[int64]string{}, datasets: map[int64]string{}}
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
