package auth

import (
	"strings"
	"testing"
)

func TestNewTokenIsRandomAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok := NewToken()
		if !WellFormed(tok) {
			t.Fatalf("token %q is not well formed", tok)
		}
		if seen[tok] {
			t.Fatal("duplicate token")
		}
		seen[tok] = true
	}
}

func TestWellFormedRefusesShortOrForeignTokens(t *testing.T) {
	for _, s := range []string{"", "mpt_", "mpt_abc", "abc" + NewToken(), strings.TrimPrefix(NewToken(), Prefix), "mpt_!!!!"} {
		if WellFormed(s) {
			t.Errorf("WellFormed(%q) = true", s)
		}
	}
}

func TestHashAndEqual(t *testing.T) {
	a, b := NewToken(), NewToken()
	if !Equal(Hash(a), Hash(a)) {
		t.Error("a token's hash does not equal itself")
	}
	if Equal(Hash(a), Hash(b)) {
		t.Error("two tokens have equal hashes")
	}
	if strings.Contains(Hash(a), strings.TrimPrefix(a, Prefix)) {
		t.Error("the hash contains the token")
	}
}

func TestBearer(t *testing.T) {
	tests := map[string]string{"Bearer abc": "abc", "bearer abc": "abc", "Basic abc": "", "abc": "", "": ""}
	for in, want := range tests {
		if got := Bearer(in); got != want {
			t.Errorf("Bearer(%q) = %q, want %q", in, got, want)
		}
	}
}
