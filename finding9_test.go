package medperf

import (
	"strings"
	"testing"
)

// TestFinding9NULInTextIsRefused: the root validation refuses NUL in text
// fields, so forms of the dashboard (which do not go through the API's
// decoder) are refused too, naming the field.
func TestFinding9NULInTextIsRefused(t *testing.T) {
	h := strings.Repeat("a", 64)
	in := DatasetInput{Name: "d", Description: "x\x00", InputDataHash: h, DataPreparationContainer: 1}
	if err := in.Validate(); ErrorCode(err) != CodeInvalid || fieldOf(err) != "description" {
		t.Errorf("dataset: %v", err)
	}
	if err := (NewUser{Email: "a@example.org", Name: "\x00"}).Validate(); ErrorCode(err) != CodeInvalid || fieldOf(err) != "name" {
		t.Errorf("user: %v", err)
	}
	b := validBenchmark()
	b.Name = "b\x00"
	if err := b.Validate(); ErrorCode(err) != CodeInvalid || fieldOf(err) != "name" {
		t.Errorf("benchmark: %v", err)
	}
}
