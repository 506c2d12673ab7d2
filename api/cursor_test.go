package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

// TestListsPageByCursor: the list routes take cursor (and total) besides
// limit and offset, answer with next, and refuse a bad cursor with 400.
func TestListsPageByCursor(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	base := ts.URL() + api.Prefix
	for range 3 {
		w.NewUser(t, "paged")
	}
	var seen []int64
	q := url.Values{"limit": {"2"}, "cursor": {""}}
	for range 100 {
		r := call(t, "GET", base+"/users?"+q.Encode(), w.Admin.Token, nil)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var l medperf.List[medperf.User]
		if err := json.Unmarshal(r.body, &l); err != nil {
			t.Fatal(err)
		}
		if l.Total != -1 {
			t.Errorf("a keyset page has total %d, want -1 (not counted)", l.Total)
		}
		for _, u := range l.Items {
			seen = append(seen, u.ID)
		}
		if l.Next == "" {
			break
		}
		q.Set("cursor", l.Next)
	}
	all := call(t, "GET", base+"/users?limit=1000", w.Admin.Token, nil)
	var l medperf.List[medperf.User]
	json.Unmarshal(all.body, &l)
	var want []int64
	for _, u := range l.Items {
		want = append(want, u.ID)
	}
	if fmt.Sprint(seen) != fmt.Sprint(want) || l.Total != len(want) {
		t.Errorf("cursor pages %v, offset page %v (total %d)", seen, want, l.Total)
	}
	if r := call(t, "GET", base+"/users?cursor=&total=true", w.Admin.Token, nil); r.status != 200 || !json.Valid(r.body) {
		t.Errorf("total=true: status %d", r.status)
	} else if json.Unmarshal(r.body, &l); l.Total != len(want) {
		t.Errorf("total=true counts %d, want %d", l.Total, len(want))
	}
	for name, query := range map[string]string{
		"a bad cursor":            "cursor=bogus",
		"cursor and offset":       "cursor=&offset=5",
		"total that is no bool":   "cursor=&total=maybe",
		"a cursor of another era": "cursor=" + url.QueryEscape("djI6MQ"),
	} {
		t.Run(name+" is 400", func(t *testing.T) {
			r := call(t, "GET", base+"/results?"+query, w.DataOwner.Token, nil)
			if r.status != 400 || r.err.Code != medperf.CodeInvalid {
				t.Errorf("status %d, code %q; want 400 invalid", r.status, r.err.Code)
			}
		})
	}
}
