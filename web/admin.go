package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medperf/medperf"
)

type usersData struct {
	Items   []medperf.User
	Keys    map[int64][]medperf.Key
	Pager   pager
	F       *form
	Created *medperf.CreatedUser
}

// users lists the accounts, for admins (the service refuses anyone else).
func (h *Handler) users(r *http.Request, _ *medperf.Session) (*result, error) {
	d, err := h.usersData(r, newForm(nil, "email", "name", "is_admin"))
	if err != nil {
		return nil, err
	}
	return &result{template: "users", title: "Users", data: d}, nil
}

func (h *Handler) usersData(r *http.Request, f *form) (usersData, error) {
	p, err := pageOf(r)
	if err != nil {
		return usersData{}, err
	}
	list, err := h.cfg.Service.ListUsers(r.Context(), p)
	if err != nil {
		return usersData{}, err
	}
	return usersData{Items: list.Items, Keys: h.keysOf(r.Context(), list.Items), F: f, Pager: newPager("/admin/users", list.Total, p, len(list.Items))}, nil
}

// createUser creates an account and shows its first token once: the
// page is answered directly (never cached), not redirected to.
func (h *Handler) createUser(r *http.Request, _ *medperf.Session) (*result, error) {
	f := newForm(r, "email", "name", "is_admin")
	cu, err := h.cfg.Service.CreateUser(r.Context(), medperf.NewUser{Email: strings.TrimSpace(f.Get("email")),
		Name: strings.TrimSpace(f.Get("name")), IsAdmin: f.Get("is_admin") == "true"})
	status := 0
	if err != nil {
		if status = f.fail(err); status == 0 {
			return nil, err
		}
	} else {
		f = newForm(nil, "email", "name", "is_admin")
	}
	d, lerr := h.usersData(r, f)
	if lerr != nil {
		return nil, lerr
	}
	d.Created = cu
	return &result{template: "users", title: "Users", status: status, data: d}, nil
}

type tokensData struct {
	Items   []medperf.Token
	Keys    []medperf.Key
	F       *form
	Created *medperf.NewToken
}

// tokens lists the caller's own API tokens; every user manages theirs.
func (h *Handler) tokens(r *http.Request, _ *medperf.Session) (*result, error) {
	return h.tokensPage(r, newForm(nil, "name"), nil, 0)
}

func (h *Handler) tokensPage(r *http.Request, f *form, created *medperf.NewToken, status int) (*result, error) {
	items, err := h.cfg.Service.ListTokens(r.Context())
	if err != nil {
		return nil, err
	}
	keys, err := h.cfg.Service.ListKeys(r.Context(), 0)
	if err != nil {
		return nil, err
	}
	return &result{template: "tokens", title: "API tokens", status: status, data: tokensData{Items: items, Keys: keys, F: f, Created: created}}, nil
}

// createToken creates a token and shows its secret this once.
func (h *Handler) createToken(r *http.Request, _ *medperf.Session) (*result, error) {
	f := newForm(r, "name")
	nt, err := h.cfg.Service.CreateToken(r.Context(), strings.TrimSpace(f.Get("name")))
	if err != nil {
		status := f.fail(err)
		if status == 0 {
			return nil, err
		}
		return h.tokensPage(r, f, nil, status)
	}
	return h.tokensPage(r, newForm(nil, "name"), nt, 0)
}

func (h *Handler) revokeToken(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := h.cfg.Service.RevokeToken(r.Context(), id); err != nil {
		return nil, err
	}
	return &result{redirect: "/tokens?notice=revoked"}, nil
}

// auditRow is one event with its actor's name.
type auditRow struct {
	medperf.AuditEvent
	Actor   medperf.UserCard
	Changes jsonPreview
}

type auditData struct {
	Items                     []auditRow
	Pager                     pager
	Type, Actor, Since, Until string
	Types                     []string
	Actors                    []medperf.UserCard
	// ActorCards are the accounts that acted in the events shown, in order
	// of first appearance, with their keys.
	ActorCards []card
}

// auditTypes are the entity types the log records, offered by the filter.
var auditTypes = medperf.AuditEntityTypes()

// audit shows the audit log the caller may read (the service filters it),
// filtered by entity type, actor and a date range (days, UTC; Until is
// inclusive), paginated.
func (h *Handler) audit(r *http.Request, s *medperf.Session) (*result, error) {
	if err := onlyQuery(r, "type", "actor", "since", "until", "offset", "notice"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := medperf.AuditFilter{EntityType: q.Get("type")}
	var err error
	if f.Actor, err = queryID(r, "actor"); err != nil {
		return nil, err
	}
	if f.Since, err = queryDay(r, "since"); err != nil {
		return nil, err
	}
	until, err := queryDay(r, "until")
	if err != nil {
		return nil, err
	}
	if !until.IsZero() {
		f.Until = until.AddDate(0, 0, 1)
	}
	if f.Page, err = pageOf(r); err != nil {
		return nil, err
	}
	list, err := h.cfg.Service.ListAudit(r.Context(), f)
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	d := auditData{Type: f.EntityType, Actor: q.Get("actor"), Since: q.Get("since"), Until: q.Get("until"), Types: auditTypes}
	if d.Actors, err = h.actors(r, s); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, e := range list.Items {
		d.Items = append(d.Items, auditRow{AuditEvent: e, Actor: n.User(e.Actor), Changes: preview(e.Changes, "")})
		if !seen[e.Actor] {
			seen[e.Actor] = true
			d.ActorCards = append(d.ActorCards, n.Card(e.Actor))
		}
	}
	base := url.Values{}
	for _, k := range []string{"type", "actor", "since", "until"} {
		if v := q.Get(k); v != "" {
			base.Set(k, v)
		}
	}
	link := "/audit"
	if len(base) > 0 {
		link += "?" + base.Encode()
	}
	d.Pager = newPager(link, list.Total, f.Page, len(list.Items))
	return &result{template: "audit", title: "Audit log", data: d}, nil
}

// queryDay reads an optional YYYY-MM-DD date (UTC) from the query.
func queryDay(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, medperf.FieldError(name, "must be a date as YYYY-MM-DD, not %q", s)
	}
	return t, nil
}

// actors are the choices of the audit log's actor filter: every account
// for an admin, the caller alone for anyone else (who sees the events of
// others only where they touch the caller's entities).
func (h *Handler) actors(r *http.Request, s *medperf.Session) ([]medperf.UserCard, error) {
	if !s.User.IsAdmin {
		return []medperf.UserCard{{ID: s.User.ID, Name: s.User.Name + " (you)"}}, nil
	}
	list, err := h.cfg.Service.ListUsers(r.Context(), medperf.Page{Limit: medperf.MaxPageSize})
	if err != nil {
		return nil, err
	}
	out := make([]medperf.UserCard, len(list.Items))
	for i, u := range list.Items {
		out[i] = medperf.UserCard{ID: u.ID, Name: u.Name, Email: u.Email}
	}
	return out, nil
}
