package images

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// MustBuildStatic builds a static medperf binary from this source tree.
func MustBuildStatic(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := BuildStatic(ctx, filepath.Join("..", ".."), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

func TestIsStaticLinux(t *testing.T) {
	static := MustBuildStatic(t)
	text := filepath.Join(t.TempDir(), "script")
	os.WriteFile(text, []byte("#!/bin/sh\necho hi\n"), 0o755)
	tests := []struct {
		name string
		path string
		want bool
	}{
		{"a CGO_ENABLED=0 build is static", static, true},
		{"a shell script is not", text, false},
		{"a missing file is not", filepath.Join(t.TempDir(), "none"), false},
	}
	if sh, err := exec.LookPath("sh"); err == nil {
		if real, err := filepath.EvalSymlinks(sh); err == nil {
			tests = append(tests, struct {
				name string
				path string
				want bool
			}{"the system shell (dynamically linked) is not", real, false})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IsStaticLinux(tt.path)
			if err != nil || got != tt.want {
				t.Errorf("IsStaticLinux = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestBinaryReturnsAStaticExecutable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The test binary is the running executable: used as is when static,
	// otherwise a static medperf is built from this source tree.
	bin, err := Binary(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := IsStaticLinux(bin); !ok || err != nil {
		t.Errorf("Binary returned %s, which is not static (%v)", bin, err)
	}
}
