package api_test

import (
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestUserCardNamesOwnersAndShowsEmailsOnlyToThoseWhoMay: any signed-in
// user reads an account's name; the email only as an admin, as the user,
// or across an association request (the benchmark owner and the
// requester), so approvers see who asks (issue 13, frictions 7 and 9).
func TestUserCardNamesOwnersAndShowsEmailsOnlyToThoseWhoMay(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	dataOwner, err := ts.Admin.GetUser(ctx, w.DataOwner.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	for _, tt := range []struct {
		name      string
		viewer    medperftest.User
		wantEmail bool
	}{
		{"a stranger sees the name only", w.Stranger, false},
		{"the benchmark owner sees the requester's email", w.BenchmarkOwner, true},
		{"the user sees their own email", w.DataOwner, true},
		{"an admin sees every email", ts.Admin, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.viewer.UserCard(ctx, w.DataOwner.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != w.DataOwner.ID || c.Name != dataOwner.Name {
				t.Errorf("card %+v, want %s", c, dataOwner.Name)
			}
			if (c.Email == dataOwner.Email) != tt.wantEmail || (c.Email != "" && c.Email != dataOwner.Email) {
				t.Errorf("email %q, want shown: %v", c.Email, tt.wantEmail)
			}
		})
	}
}
