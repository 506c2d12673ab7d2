package medperf

import "context"

// UserCard is what a signed-in user may know of another account: its name
// always, its email only when CanSeeEmail allows (otherwise empty).
type UserCard struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// UserDirectory shows owners by name instead of by id. It is separate
// from UserService because only the server's store implements it (the
// dashboard uses it when its service has it); GetUser stays for admins
// and the user themselves.
type UserDirectory interface {
	// UserCard returns the card of account id. Any signed-in user may call
	// it (CodeUnauthorized without a caller); an id that does not exist is
	// CodeNotFound. The email is filled in only when CanSeeEmail allows it.
	UserCard(ctx context.Context, id int64) (*UserCard, error)
}

// CanSeeEmail reports whether caller may read the email of account id: an
// admin, the user themselves, and the two sides of an association request
// (related: the owner of a benchmark and a user who asked to join it, in
// either direction), who need to reach each other to decide.
func CanSeeEmail(caller *User, id int64, related bool) bool {
	return caller != nil && (caller.IsAdmin || caller.ID == id || related)
}
