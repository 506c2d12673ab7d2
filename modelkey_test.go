package medperf

import (
	"strings"
	"testing"
)

func TestModelKeyInputValidate(t *testing.T) {
	armored := WrappedKeyHeader + "\nYWdl\n-----END AGE ENCRYPTED FILE-----\n"
	for _, tt := range []struct {
		name  string
		in    ModelKeyInput
		field string
	}{
		{"valid", ModelKeyInput{UserID: 3, WrappedKey: armored}, ""},
		{"no user", ModelKeyInput{WrappedKey: armored}, "user_id"},
		{"a negative user", ModelKeyInput{UserID: -1, WrappedKey: armored}, "user_id"},
		{"no text", ModelKeyInput{UserID: 3}, "wrapped_key"},
		{"not armored", ModelKeyInput{UserID: 3, WrappedKey: "secret"}, "wrapped_key"},
		{"oversized", ModelKeyInput{UserID: 3, WrappedKey: WrappedKeyHeader + strings.Repeat("A", MaxWrappedKey)}, "wrapped_key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ErrorCode(err) != CodeInvalid || fieldOf(err) != tt.field {
				t.Fatalf("%v: want invalid on %s", err, tt.field)
			}
		})
	}
	if err := (ModelAccessPatch{}).Validate(); ErrorCode(err) != CodeInvalid {
		t.Fatalf("an empty access patch: %v", err)
	}
	yes := true
	if err := (ModelAccessPatch{AutoGrant: &yes}).Validate(); err != nil {
		t.Fatal(err)
	}
}
