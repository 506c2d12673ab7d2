//go:build linux

package apptainer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"golang.org/x/sys/unix"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// memoryDir returns a fresh folder on the tmpfs at /dev/shm, or skips.
func memoryDir(t *testing.T) string {
	t.Helper()
	if err := checkMemoryFS(DefaultMemoryDir); err != nil {
		t.Skipf("no tmpfs at %s: %v", DefaultMemoryDir, err)
	}
	dir, err := os.MkdirTemp(DefaultMemoryDir, "medperf-test-")
	if err != nil {
		t.Skipf("cannot write to %s: %v", DefaultMemoryDir, err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func encryptSIF(t *testing.T, clear, pass []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w, err := openpgp.SymmetricallyEncrypt(&buf, pass, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(clear)
	w.Close()
	p := filepath.Join(t.TempDir(), "model.sif.gpg")
	os.WriteFile(p, buf.Bytes(), 0o600)
	return p
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in %s: %v", dir, entries)
	}
}

func TestDecryptToMemory(t *testing.T) {
	mem := memoryDir(t)
	clear := make([]byte, 300<<10)
	rand.Read(clear)
	pass := []byte("owner secret")
	enc := encryptSIF(t, clear, pass)

	t.Run("the clear image is a private file in memory, removed by its release", func(t *testing.T) {
		p, release, err := decryptToMemory(enc, cube.Secret(append(bytes.Clone(pass), '\n')), mem)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(p) != mem {
			t.Errorf("decrypted to %s, not into %s", p, mem)
		}
		got, _ := os.ReadFile(p)
		if !bytes.Equal(got, clear) {
			t.Error("the decrypted image differs")
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v", fi.Mode().Perm())
		}
		release()
		assertEmpty(t, mem)
	})
	encBytes, _ := os.ReadFile(enc)
	truncated := filepath.Join(t.TempDir(), "truncated.gpg")
	os.WriteFile(truncated, encBytes[:len(encBytes)-30], 0o600)
	for _, tt := range []struct {
		name, file string
		key        []byte
		field      string
	}{
		{"a wrong key leaves nothing", enc, []byte("wrong"), "decryption_key"},
		{"a truncated image leaves nothing", truncated, pass, "archive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decryptToMemory(tt.file, tt.key, mem)
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
			if tt.field == "decryption_key" && e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
			assertEmpty(t, mem)
		})
	}
	t.Run("a folder on disk is refused", func(t *testing.T) {
		disk := t.TempDir()
		var st unix.Statfs_t
		if unix.Statfs(disk, &st) == nil && (uint32(st.Type) == tmpfsMagic || uint32(st.Type) == ramfsMagic) {
			t.Skip("the test's temporary folder is itself in memory")
		}
		_, _, err := decryptToMemory(enc, pass, disk)
		if medperf.ErrorCode(err) != medperf.CodeUnavailable {
			t.Fatalf("got %v, want unavailable", err)
		}
		assertEmpty(t, disk)
	})
}

func TestSweepClearRemovesOnlyImagesOfTheDead(t *testing.T) {
	mem := memoryDir(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{ // name: kept
		fmt.Sprintf("%s%d-1.sif", clearPrefix, dead.Process.Pid): false,
		fmt.Sprintf("%s%d-2.sif", clearPrefix, os.Getpid()):      true,
		"someone-else.sif": true,
	}
	for name := range files {
		os.WriteFile(filepath.Join(mem, name), []byte("x"), 0o600)
	}
	sweepClear(mem)
	for name, kept := range files {
		if _, err := os.Stat(filepath.Join(mem, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
}

// TestEncryptedSIFReachesApptainerOnlyInMemory runs a stand-in for
// apptainer that copies the image it is given: it gets the clear SIF, by
// a path in memory, which is gone once the task has ended.
func TestEncryptedSIFReachesApptainerOnlyInMemory(t *testing.T) {
	mem := memoryDir(t)
	clear := []byte("SIF image bytes " + strings.Repeat("x", 4096))
	pass := []byte("owner secret")
	enc := encryptSIF(t, clear, pass)
	sum, err := cube.FileSHA256(enc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	seen, seenPath := filepath.Join(dir, "seen.sif"), filepath.Join(dir, "seen.path")
	fake := filepath.Join(dir, "apptainer")
	script := fmt.Sprintf("#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in %s/*) cat \"$a\" > %s; echo \"$a\" > %s;; esac; done\n", mem, seen, seenPath)
	os.WriteFile(fake, []byte(script), 0o755)
	cfg, err := cube.ParseConfig("container_config.yaml", []byte("container_type: EncryptedSingularityFile\nimage: "+enc+"\ntasks:\n  infer: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rt := &Runtime{Binary: fake, CacheDir: t.TempDir(), MemoryDir: mem}
	spec, err := cube.NewSpec(cube.Request{Config: cfg, Task: "infer", ImageHash: sum, DecryptionKey: pass, LogFile: filepath.Join(dir, "infer.log")})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Run(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(seen); !bytes.Equal(got, clear) {
		t.Fatalf("apptainer was given %q, want the clear image", got)
	}
	if p, _ := os.ReadFile(seenPath); !strings.HasPrefix(string(p), mem+"/") {
		t.Errorf("the image was given as %q, not a file in memory", p)
	}
	assertEmpty(t, mem)

	t.Run("a wrong registered hash is refused before decryption", func(t *testing.T) {
		spec, _ := cube.NewSpec(cube.Request{Config: cfg, Task: "infer", ImageHash: strings.Repeat("ab", 32), DecryptionKey: pass, LogFile: filepath.Join(dir, "infer2.log")})
		var mismatch *cube.HashMismatchError
		if err := rt.Run(context.Background(), spec); !errors.As(err, &mismatch) {
			t.Fatalf("got %v, want a hash mismatch", err)
		}
		assertEmpty(t, mem)
	})
}
