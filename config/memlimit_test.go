package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

func TestMemoryLimitBytes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"", 192 << 20}, // DefaultMemoryLimit
		{"192MiB", 192 << 20},
		{"512m", 512 << 20},
		{" 1g ", 1 << 30},
		{"32MiB", 32 << 20},
		{MemoryLimitOff, 0},
	} {
		got, err := Server{MemoryLimit: tt.in}.MemoryLimitBytes()
		if err != nil || got != tt.want {
			t.Errorf("MemoryLimit %q: %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"lots", "-1g", "0", "31MiB", "1k", "OFF", "192 parsecs"} {
		_, err := Server{MemoryLimit: bad}.MemoryLimitBytes()
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "memory-limit" {
			t.Errorf("MemoryLimit %q: error %v, want CodeInvalid on memory-limit", bad, err)
		}
	}
}

func TestWithDefaultsChecksTheMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	s, err := Server{DataDir: dir}.WithDefaults()
	if err != nil || s.MemoryLimit != DefaultMemoryLimit {
		t.Fatalf("MemoryLimit %q, %v; want the default %q", s.MemoryLimit, err, DefaultMemoryLimit)
	}
	_, err = Server{DataDir: dir, MemoryLimit: "a little"}.WithDefaults()
	var e *medperf.Error
	if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "memory-limit" {
		t.Errorf("error %v, want CodeInvalid on memory-limit", err)
	}
}

func TestLoadServerMemoryLimitPrecedence(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ServerFile), []byte("memory_limit: 300MiB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"MEDPERF_HOME": home}
	getenv := func(k string) string { return env[k] }
	load := func(flags ServerFlags) string {
		t.Helper()
		s, err := LoadServer(getenv, flags)
		if err != nil {
			t.Fatal(err)
		}
		return s.MemoryLimit
	}
	if got := load(ServerFlags{}); got != "300MiB" {
		t.Errorf("from the file: %q, want 300MiB", got)
	}
	env["MEDPERF_MEMORY_LIMIT"] = "off"
	if got := load(ServerFlags{}); got != "off" {
		t.Errorf("from the environment: %q, want off", got)
	}
	if got := load(ServerFlags{MemoryLimit: "1g", Set: map[string]bool{"memory-limit": true}}); got != "1g" {
		t.Errorf("from the flag: %q, want 1g", got)
	}
	delete(env, "MEDPERF_MEMORY_LIMIT")
	os.Remove(filepath.Join(home, ServerFile))
	if got := load(ServerFlags{}); got != "" {
		t.Errorf("nothing given: %q, want empty (WithDefaults and MemoryLimitBytes give the default)", got)
	}
}
