package config

import (
	"errors"
	"testing"
	"time"

	"github.com/medperf/medperf"
)

func TestResolveSiteAppliesFlagThenEnvironmentThenProfileThenDefault(t *testing.T) {
	profile := Settings{Runtime: "podman", Memory: "2g", CPUs: 2, GPUs: "all", Timeouts: []string{"prepare=1h", "infer=1h"}}
	env := map[string]string{RuntimeEnv: "apptainer", MemoryEnv: "1g", CPUsEnv: "1.5", GPUsEnv: "1", TimeoutEnv: "infer=2h, evaluate=3m"}
	flags := SiteFlags{Runtime: "local", Memory: "512m", CPUs: 0.5, GPUs: "device=0,1", Timeouts: []string{"evaluate=4m"},
		Set: map[string]bool{"runtime": true, "memory": true, "cpus": true, "gpus": true, "timeout": true}}
	tests := []struct {
		name    string
		env     map[string]string
		profile Settings
		flags   SiteFlags
		want    SiteSettings
	}{
		{"nothing set gives the defaults", nil, Settings{}, SiteFlags{}, SiteSettings{Timeouts: map[string]time.Duration{}}},
		{"the profile wins over the defaults", nil, profile, SiteFlags{}, SiteSettings{Runtime: "podman", Memory: 2 << 30, CPUs: 2, GPUs: "all",
			Timeouts: map[string]time.Duration{"prepare": time.Hour, "infer": time.Hour}}},
		{"the environment wins over the profile, task by task", env, profile, SiteFlags{}, SiteSettings{Runtime: "apptainer", Memory: 1 << 30, CPUs: 1.5, GPUs: "1",
			Timeouts: map[string]time.Duration{"prepare": time.Hour, "infer": 2 * time.Hour, "evaluate": 3 * time.Minute}}},
		{"flags win over everything", env, profile, flags, SiteSettings{Runtime: "local", Memory: 512 << 20, CPUs: 0.5, GPUs: "device=0,1",
			Timeouts: map[string]time.Duration{"prepare": time.Hour, "infer": 2 * time.Hour, "evaluate": 4 * time.Minute}}},
		{"a flag's value is ignored unless the flag was given", nil, profile, SiteFlags{Runtime: "local", CPUs: 9}, SiteSettings{Runtime: "podman", Memory: 2 << 30, CPUs: 2, GPUs: "all",
			Timeouts: map[string]time.Duration{"prepare": time.Hour, "infer": time.Hour}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveSite(envOf(tt.env), tt.profile, tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if got.Runtime != tt.want.Runtime || got.Memory != tt.want.Memory || got.CPUs != tt.want.CPUs || got.GPUs != tt.want.GPUs || len(got.Timeouts) != len(tt.want.Timeouts) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for k, v := range tt.want.Timeouts {
				if got.Timeouts[k] != v {
					t.Errorf("timeout %s = %s, want %s", k, got.Timeouts[k], v)
				}
			}
		})
	}
}

func TestResolveSiteNamesWhereABadValueCameFrom(t *testing.T) {
	given := func(name string) map[string]bool { return map[string]bool{name: true} }
	tests := []struct {
		name      string
		env       map[string]string
		profile   Settings
		flags     SiteFlags
		wantField string
	}{
		{"a size with an unknown unit in the environment", map[string]string{MemoryEnv: "12q"}, Settings{}, SiteFlags{}, MemoryEnv},
		{"a size that is not a number in a flag", nil, Settings{}, SiteFlags{Memory: "much", Set: given("memory")}, "--memory"},
		{"a negative size in the profile", nil, Settings{Memory: "-1g"}, SiteFlags{}, "profile setting memory"},
		{"an unknown runtime in the environment", map[string]string{RuntimeEnv: "kubernetes"}, Settings{}, SiteFlags{}, RuntimeEnv},
		{"an unknown runtime in the profile", nil, Settings{Runtime: "lxc"}, SiteFlags{}, "profile setting runtime"},
		{"CPUs that are not a number", map[string]string{CPUsEnv: "two"}, Settings{}, SiteFlags{}, CPUsEnv},
		{"negative CPUs in a flag", nil, Settings{}, SiteFlags{CPUs: -1, Set: given("cpus")}, "--cpus"},
		{"negative CPUs in the profile", nil, Settings{CPUs: -2}, SiteFlags{}, "profile setting cpus"},
		{"a GPU request that is no count", map[string]string{GPUsEnv: "many"}, Settings{}, SiteFlags{}, GPUsEnv},
		{"an empty device list", nil, Settings{}, SiteFlags{GPUs: "device=", Set: given("gpus")}, "--gpus"},
		{"a timeout without a task", map[string]string{TimeoutEnv: "=2h"}, Settings{}, SiteFlags{}, TimeoutEnv},
		{"a timeout without a duration", nil, Settings{}, SiteFlags{Timeouts: []string{"infer"}, Set: given("timeout")}, "--timeout"},
		{"a zero timeout in the profile", nil, Settings{Timeouts: []string{"infer=0s"}}, SiteFlags{}, "profile setting timeouts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveSite(envOf(tt.env), tt.profile, tt.flags)
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != tt.wantField {
				t.Fatalf("got %v (%#v), want CodeInvalid naming %s", err, e, tt.wantField)
			}
		})
	}
	t.Run("a bad profile value is not checked when a higher layer wins", func(t *testing.T) {
		if _, err := ResolveSite(envOf(map[string]string{MemoryEnv: "1g"}), Settings{Memory: "much"}, SiteFlags{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Validate checks a profile alone", func(t *testing.T) {
		if err := (Settings{Memory: "much"}).Validate(); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
		if err := (Settings{Memory: "1g", GPUs: "2", Runtime: "docker"}).Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestResolveSiteErrorMessageSaysWhatToType(t *testing.T) {
	_, err := ResolveSite(envOf(map[string]string{MemoryEnv: "12q"}), Settings{}, SiteFlags{})
	if got, want := medperf.ErrorMessage(err), `MEDPERF_MEMORY: "12q" is not a size; use e.g. 512m or 4g`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestResolveSiteTmpSizeAndRunAsUID(t *testing.T) {
	for _, tt := range []struct {
		name    string
		env     map[string]string
		profile Settings
		flags   SiteFlags
		tmp     int64
		uid     int
		code    medperf.Code
		field   string
	}{
		{"defaults", nil, Settings{}, SiteFlags{}, 0, -1, "", ""},
		{"the profile", nil, Settings{TmpSize: "2g", RunAsUID: "1000"}, SiteFlags{}, 2 << 30, 1000, "", ""},
		{"the environment wins", map[string]string{TmpSizeEnv: "1g", RunAsEnv: "2000"}, Settings{TmpSize: "2g", RunAsUID: "1000"}, SiteFlags{}, 1 << 30, 2000, "", ""},
		{"flags win", map[string]string{TmpSizeEnv: "1g"}, Settings{}, SiteFlags{TmpSize: "512m", RunAsUID: "3000", Set: map[string]bool{"tmp-size": true, "run-as-uid": true}}, 512 << 20, 3000, "", ""},
		{"a bad size names its variable", map[string]string{TmpSizeEnv: "lots"}, Settings{}, SiteFlags{}, 0, 0, medperf.CodeInvalid, TmpSizeEnv},
		{"root is refused", nil, Settings{RunAsUID: "0"}, SiteFlags{}, 0, 0, medperf.CodeInvalid, "profile setting run_as_uid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveSite(envOf(tt.env), tt.profile, tt.flags)
			if tt.code != "" {
				var e *medperf.Error
				if !errors.As(err, &e) || e.Code != tt.code || e.Field != tt.field {
					t.Fatalf("got %v, want %s naming %s", err, tt.code, tt.field)
				}
				return
			}
			if err != nil || got.TmpSize != tt.tmp || got.RunAsUID != tt.uid {
				t.Fatalf("got %+v, %v; want tmp %d uid %d", got, err, tt.tmp, tt.uid)
			}
		})
	}
}
