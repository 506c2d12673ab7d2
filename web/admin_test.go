package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

var secretInput = regexp.MustCompile(`id="new-token" readonly value="([^"]+)"`)

func TestTokensPage(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, token := signedIn(t, ts, &w.DataOwner)
	p := b.post("/tokens", url.Values{"csrf_token": {token}, "name": {"ci"}})
	m := secretInput.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("status %d, no secret shown:\n%.2000s", p.status, p.body)
	}
	secret := m[1]
	t.Run("the secret signs in and is never shown again", func(t *testing.T) {
		if u, err := ts.Client(t, secret).GetUser(ctx, w.DataOwner.ID); err != nil || u.ID != w.DataOwner.ID {
			t.Fatalf("the new token does not work: %v", err)
		}
		if strings.Contains(b.get("/tokens").body, secret) {
			t.Error("the tokens page shows the secret again")
		}
	})
	t.Run("revoking it stops it", func(t *testing.T) {
		list := medperftest.Must[[]medperf.Token](t)(w.DataOwner.ListTokens(ctx))
		id := list[len(list)-1].ID
		if p := b.post(fmt.Sprintf("/tokens/%d/revoke", id), url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
			t.Fatalf("revoke: status %d", p.status)
		}
		_, err := ts.Client(t, secret).GetUser(ctx, w.DataOwner.ID)
		if medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatalf("a revoked token still works (%v)", err)
		}
		if !strings.Contains(b.get("/tokens").body, "revoked") {
			t.Error("the page does not show the token as revoked")
		}
	})
	t.Run("a token name over the limit is refused next to the field", func(t *testing.T) {
		p := b.post("/tokens", url.Values{"csrf_token": {token}, "name": {strings.Repeat("n", 200)}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="name-error"`) {
			t.Fatalf("status %d", p.status)
		}
	})
}

func TestUsersPageCreatesAUserWithATokenShownOnce(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, token := signedIn(t, ts, &w.Admin)
	p := b.post("/admin/users", url.Values{"csrf_token": {token}, "email": {"nurse@example.org"}, "name": {"Nurse"}})
	m := regexp.MustCompile(`id="new-user-token" readonly value="([^"]+)"`).FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("status %d:\n%.2000s", p.status, p.body)
	}
	u, err := ts.Client(t, m[1]).Authenticate(ctx, m[1])
	if err != nil || u.Email != "nurse@example.org" || u.IsAdmin {
		t.Fatalf("the new user's token: %+v, %v", u, err)
	}
	if p := b.post("/admin/users", url.Values{"csrf_token": {token}, "email": {"nurse@example.org"}}); p.status != http.StatusConflict || !strings.Contains(p.body, `id="email-error"`) {
		t.Errorf("a taken email: status %d", p.status)
	}
	if p := b.post("/admin/users", url.Values{"csrf_token": {token}, "email": {"not an email"}}); p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="not an email"`) {
		t.Errorf("a bad email: status %d, or the typed value was lost", p.status)
	}
}

var auditRow = regexp.MustCompile(`(?s)<tr data-event="\d+">.*?</tr>`)

func TestAuditPageFilters(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b, _ := signedIn(t, ts, &w.Admin)
	today := time.Now().UTC().Format("2006-01-02")
	tests := []struct {
		query string
		check func(row string) bool
		want  func() int
	}{
		{"type=container", func(r string) bool { return strings.Contains(r, "<td>container ") }, func() int {
			return medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: "container"})).Total
		}},
		{fmt.Sprintf("actor=%d", w.ModelOwner.ID), func(r string) bool { return strings.Contains(r, "<td>model-owner</td>") }, func() int {
			return medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{Actor: w.ModelOwner.ID})).Total
		}},
		{"since=2000-01-01&until=2000-12-31", func(string) bool { return false }, func() int { return 0 }},
		{"since=" + today + "&until=" + today + "&type=benchmark", func(r string) bool { return strings.Contains(r, "<td>benchmark ") }, func() int {
			return medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: "benchmark"})).Total
		}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			p := b.get("/audit?" + tt.query)
			if p.status != http.StatusOK {
				t.Fatalf("status %d", p.status)
			}
			rows := auditRow.FindAllString(p.body, -1)
			want := min(tt.want(), 50)
			if len(rows) != want {
				t.Errorf("%d rows, want %d", len(rows), want)
			}
			for _, r := range rows {
				if !tt.check(r) {
					t.Errorf("row does not match the filter: %s", r)
				}
			}
		})
	}
	t.Run("the pages of a long log link to each other with the filters", func(t *testing.T) {
		for i := range 55 {
			medperftest.Must[*medperf.NewToken](t)(w.Admin.CreateToken(ctx, fmt.Sprint("t", i)))
		}
		first := b.get("/audit?type=token")
		next := `href="/audit?type=token&amp;offset=50"`
		if len(auditRow.FindAllString(first.body, -1)) != 50 || !strings.Contains(first.body, next) {
			t.Fatalf("the first page lacks 50 rows or the link %s", next)
		}
		second := b.get("/audit?type=token&offset=50")
		total := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: "token"})).Total
		if got := len(auditRow.FindAllString(second.body, -1)); got != total-50 {
			t.Errorf("the second page has %d rows, want %d", got, total-50)
		}
	})
}
