package leaderboard

import (
	"math"
	"testing"
)

// TestNumberHasNoFloatNoise guards friction 14 of issue 13.
func TestNumberHasNoFloatNoise(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0.40834650000000006, "0.4083465"},
		{0.1 + 0.2, "0.3"},
		{1.0 / 3, "0.333333333333333"},
		{0.5, "0.5"},
		{12345678, "1.2345678e+07"},
		{math.Inf(1), "+Inf"},
	}
	for _, tt := range tests {
		if got := number(tt.in, true); got != tt.want {
			t.Errorf("number(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := number(1, false); got != "" {
		t.Errorf("a missing number is %q, want empty", got)
	}
}
