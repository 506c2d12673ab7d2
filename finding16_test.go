package medperf

import "testing"

// TestFinding16Caps: the per-user caps refuse at the limit, with
// CodeConflict, and not below it.
func TestFinding16Caps(t *testing.T) {
	for _, tt := range []struct {
		name  string
		check func(int) error
		limit int
	}{{"tokens", CheckTokenCap, MaxTokensPerUser}, {"drafts", CheckDraftCap, MaxDraftResultsPerUser}} {
		if err := tt.check(tt.limit - 1); err != nil {
			t.Errorf("%s below the cap refused: %v", tt.name, err)
		}
		if err := tt.check(tt.limit); ErrorCode(err) != CodeConflict {
			t.Errorf("%s at the cap: %v, want conflict", tt.name, err)
		}
	}
}
