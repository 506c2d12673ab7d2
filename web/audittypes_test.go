package web_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

var typeOption = regexp.MustCompile(`<option value="([a-z_]+)"`)

// TestTheAuditFilterOffersEveryType: the audit page's entity-type filter
// offers exactly medperf.AuditEntityTypes (which a sqldb test keeps equal
// to the types the store writes), and choosing one of this session's
// types (keys, model keys) shows that type's events and no others.
func TestTheAuditFilterOffersEveryType(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	w.MustGrant(t, w.MustGrantable(t))
	b, _ := signedIn(t, ts, &w.Admin)
	p := b.get("/audit")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	_, sel, _ := strings.Cut(p.body, `<select id="type"`)
	sel, _, _ = strings.Cut(sel, `</select>`)
	var offered []string
	for _, m := range typeOption.FindAllStringSubmatch(sel, -1) {
		offered = append(offered, m[1])
	}
	if !slices.Equal(offered, medperf.AuditEntityTypes()) {
		t.Errorf("the filter offers %v, want %v", offered, medperf.AuditEntityTypes())
	}
	for _, typ := range []string{"key", "model_key"} {
		t.Run(typ, func(t *testing.T) {
			want := medperftest.Must[*medperf.List[medperf.AuditEvent]](t)(w.Admin.ListAudit(ctx, medperf.AuditFilter{EntityType: typ})).Total
			rows := auditRow.FindAllString(b.get("/audit?type="+typ).body, -1)
			if want == 0 || len(rows) != want {
				t.Fatalf("%d rows of %d %s events (the world should have some)", len(rows), want, typ)
			}
			for _, r := range rows {
				if !strings.Contains(r, "<td>"+typ+" ") {
					t.Errorf("a row of another type: %s", r)
				}
			}
		})
	}
}
