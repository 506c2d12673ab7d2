package medperf

import (
	"testing"
)

func TestLeaderboardScopeFor(t *testing.T) {
	b := Benchmark{Common: Common{Owner: 7}}
	public := b
	public.LeaderboardPublic = true
	for _, c := range []struct {
		name   string
		caller *User
		b      Benchmark
		want   LeaderboardScope
	}{
		{"the owner sees all", &User{ID: 7}, b, ScopeAll},
		{"an admin sees all", &User{ID: 1, IsAdmin: true}, b, ScopeAll},
		{"another user sees their own results", &User{ID: 9}, b, ScopeVisible},
		{"another user sees the published rows once published", &User{ID: 9}, public, ScopePublished},
		{"the owner still sees all once published", &User{ID: 7}, public, ScopeAll},
		{"no caller sees only what is visible, which is nothing", nil, b, ScopeVisible},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := LeaderboardScopeFor(c.caller, c.b); got != c.want {
				t.Fatalf("%s, want %s", got, c.want)
			}
		})
	}
}

func TestParseMetricSet(t *testing.T) {
	for _, c := range []struct {
		name, raw, field string
	}{
		{"nothing declares nothing", "", ""},
		{"null declares nothing", " null ", ""},
		{"a valid declaration", `{"metrics": [{"name": "dice", "direction": "higher", "primary": true}], "cases_metric": "n"}`, ""},
		{"an unknown key is refused", `{"metrics": [], "extra": 1}`, "metrics"},
		{"a list is refused", `[{"name": "dice"}]`, "metrics"},
		{"two values are refused", `{} {}`, "metrics"},
		{"a wrong type names the problem", `{"metrics": [{"name": 3}]}`, "metrics"},
		{"a rule of the declaration names the entry", `{"metrics": [{"name": "dice", "direction": "higher", "primary": true, "min": 2, "max": 1}]}`, "metrics[0].max"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseMetricSet([]byte(c.raw))
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if e, ok := err.(*Error); !ok || e.Code != CodeInvalid || e.Field != c.field {
				t.Fatalf("%v, want invalid %s", err, c.field)
			}
		})
	}
}

func TestCheckResultMetrics(t *testing.T) {
	decl := `{"metrics": [{"name": "dice", "direction": "higher", "min": 0, "max": 1, "primary": true}]}`
	for _, c := range []struct {
		name, decl, metrics string
		code                Code
		field               string
	}{
		{"free-form results accept anything", "", `{"x": "text", "y": {"z": 1}}`, "", ""},
		{"declared metrics in range pass", decl, `{"dice": 0.5, "n_cases": 4}`, "", ""},
		{"an undeclared metric is refused", decl, `{"dice": 0.5, "other": 1}`, CodeInvalid, "metrics.other"},
		{"an out-of-range value is refused", decl, `{"dice": -0.1}`, CodeInvalid, "metrics.dice"},
		{"a value that is not a number is refused", decl, `{"dice": true}`, CodeInvalid, "metrics.dice"},
		{"a broken stored declaration is a conflict, not the submitter's fault", `{"metrics": 3}`, `{"dice": 1}`, CodeConflict, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := CheckResultMetrics([]byte(c.decl), []byte(c.metrics))
			if ErrorCode(err) != c.code {
				t.Fatalf("%v, want code %q", err, c.code)
			}
			if c.field != "" {
				if e, ok := err.(*Error); !ok || e.Field != c.field {
					t.Fatalf("%v, want field %s", err, c.field)
				}
			}
		})
	}
}
