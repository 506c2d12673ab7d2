package trust

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func TestWrappedForNamesTheRecipientsKeys(t *testing.T) {
	alice, bob, eve := MustIdentity(t), MustIdentity(t), MustIdentity(t)
	wrapped, err := WrapSecret([]byte("0123456789abcdef0123456789abcdef"), alice.Public(), bob.Public())
	if err != nil {
		t.Fatal(err)
	}
	got, err := WrappedFor(wrapped, eve.Public(), bob.Public(), alice.Public())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(bob.Public()) || !got[1].Equal(alice.Public()) {
		t.Fatalf("WrappedFor = %v, want bob then alice", got)
	}
	t.Run("a file for someone else names none", func(t *testing.T) {
		got, err := WrappedFor(wrapped, eve.Public())
		if err != nil || len(got) != 0 {
			t.Fatalf("WrappedFor = %v, %v", got, err)
		}
	})
}

func TestWrappedForRefusesWhatIsNotAnAgeFile(t *testing.T) {
	armored := func(body string) []byte {
		return []byte(medperf.WrappedKeyHeader + "\n" + base64.StdEncoding.EncodeToString([]byte(body)) + "\n-----END AGE ENCRYPTED FILE-----\n")
	}
	for _, tt := range []struct {
		name    string
		wrapped []byte
		code    medperf.Code
	}{
		{"plain text", []byte("hunter2"), medperf.CodeInvalid},
		{"a PGP message", []byte("-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----\n"), medperf.CodeInvalid},
		{"armor around bad base64", []byte(medperf.WrappedKeyHeader + "\n!!!!\n-----END AGE ENCRYPTED FILE-----\n"), medperf.CodeInvalid},
		{"armor around something else", armored("hello world\n"), medperf.CodeInvalid},
		{"an age header with no recipient", armored("age-encryption.org/v1\n--- abc\n"), medperf.CodeInvalid},
		{"an age header with no MAC line", armored("age-encryption.org/v1\n-> X25519 abc\nbody\n"), medperf.CodeInvalid},
		{"a header line too long", armored("age-encryption.org/v1\n-> " + strings.Repeat("a", 5000) + "\n--- abc\n"), medperf.CodeInvalid},
		{"oversized", append([]byte(medperf.WrappedKeyHeader+"\n"), bytes.Repeat([]byte("A"), maxWrapped)...), medperf.CodeTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WrappedFor(tt.wrapped, MustIdentity(t).Public())
			wantCode(t, err, tt.code)
		})
	}
}
