package docker

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

func TestHoldBackKeepsTheTailUntilTheEnd(t *testing.T) {
	data := make([]byte, 200<<10)
	rand.Read(data)
	t.Run("a clean stream is passed on whole", func(t *testing.T) {
		for _, size := range []int{0, 10, holdBackSize, holdBackSize + 1, len(data)} {
			got, err := io.ReadAll(newHoldBack(bytes.NewReader(data[:size]), holdBackSize))
			if err != nil || !bytes.Equal(got, data[:size]) {
				t.Fatalf("size %d: got %d bytes, %v", size, len(got), err)
			}
		}
	})
	t.Run("a failing stream never gives its last bytes", func(t *testing.T) {
		boom := errors.New("integrity check failed")
		got, err := io.ReadAll(newHoldBack(io.MultiReader(bytes.NewReader(data), iotestErr{boom}), holdBackSize))
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want the source's", err)
		}
		if len(got) > len(data)-holdBackSize || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("passed on %d of %d bytes before the failure; at most %d may pass", len(got), len(data), len(data)-holdBackSize)
		}
	})
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// encryptedModel is a probe image saved and encrypted as MedPerf's model
// owners do it, and removed from the engine.
type encryptedModel struct {
	id      string // the image id the archive holds
	archive []byte // gpg --symmetric output
	clear   []byte // the `docker save` archive
	secret  []byte // the secret.bin given to gpg
}

// mustEncryptedModel builds a probe image, saves it with the engine,
// encrypts the archive with the real gpg and removes the image.
func mustEncryptedModel(t *testing.T, c *client.Client, engine string) *encryptedModel {
	t.Helper()
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		if os.Getenv(medperftest.RequireEnv) != "" {
			t.Fatalf("gpg is needed to make MedPerf's encrypted archives: %v", err)
		}
		t.Skip("gpg is not installed; the encrypted archive tests need it")
	}
	tag := fmt.Sprintf("medperf-cube-encrypted:%s-%d", engine, os.Getpid())
	id := mustProbeImage(t, c, tag, "cube/docker encrypted "+engine)
	dir := t.TempDir()
	saveImage(t, c, tag, filepath.Join(dir, "image.tar"))
	if _, err := c.ImageRemove(context.Background(), id, image.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32) // like MedPerf's secret.bin: 32 random bytes
	rand.Read(secret)
	secret[0] = 'k' // a leading newline or NUL would be an empty passphrase
	home := filepath.Join(dir, "gnupg")
	os.Mkdir(home, 0o700)
	// A fixed small key-derivation cost spares gpg-agent's calibration.
	os.WriteFile(filepath.Join(home, "gpg-agent.conf"), []byte("s2k-count 65536\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "secret.bin"), secret, 0o600)
	t.Cleanup(func() { _ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run() })
	cmd := exec.Command(gpg, "--homedir", home, "--batch", "--no-symkey-cache", "--symmetric",
		"--passphrase-file", "secret.bin", "-o", "image.tar.gpg", "image.tar")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpg --symmetric: %v\n%s", err, out)
	}
	enc, err := os.ReadFile(filepath.Join(dir, "image.tar.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	clear, err := os.ReadFile(filepath.Join(dir, "image.tar"))
	if err != nil {
		t.Fatal(err)
	}
	return &encryptedModel{id: id, archive: enc, clear: clear, secret: secret}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeArchive writes b as an archive file and returns its path.
func writeArchive(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.tar.gpg")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEncryptedDockerArchiveOnDockerAndPodman runs MedPerf's private
// models on each engine: the archive gpg made runs with the owner's secret,
// and every bad input is refused with its own error, leaving no image and
// no container behind and nothing in clear in the cache.
func TestEncryptedDockerArchiveOnDockerAndPodman(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			c := engineClient(t, e.dep)
			m := mustEncryptedModel(t, c, e.name)
			testEncryptedRefusals(t, c, e.podman, m)
			testLateIntegrityFailure(t, c, e.podman, m)
			testEncryptedRun(t, c, e.podman, m)
		})
	}
}

// encryptedRun runs the probe's "id" from archive under hash with key,
// on a fresh cache.
func encryptedRun(t *testing.T, c *client.Client, podman bool, archive []byte, hash string, key []byte) (*run, string, error) {
	t.Helper()
	rt := NewWithClient(c, t.TempDir())
	rt.Podman = podman
	r := MustProbeSpec(t, probeConfig(t, cube.EncryptedDockerArchive, writeArchive(t, archive)), func(q *cube.Request) {
		q.ImageHash, q.DecryptionKey = hash, key
	}, "id")
	return r, rt.CacheDir, rt.Run(context.Background(), r.spec)
}

func testEncryptedRefusals(t *testing.T, c *client.Client, podman bool, m *encryptedModel) {
	altered := bytes.Clone(m.archive)
	altered[len(altered)/2] ^= 0x01
	truncated := m.archive[:len(m.archive)-40]
	wrongKey := make([]byte, 32)
	rand.Read(wrongKey)
	wrongKey[0] = 'w'
	tests := []struct {
		name    string
		archive []byte
		hash    string
		key     []byte
		field   string
	}{
		{"without a key the run is refused before anything is fetched", m.archive, sha256Hex(m.archive), nil, "decryption_key"},
		{"a wrong key is refused", m.archive, sha256Hex(m.archive), wrongKey, "decryption_key"},
		{"the whole secret file is not gpg's passphrase", m.archive, sha256Hex(m.archive), append([]byte("x\n"), m.secret...), "decryption_key"},
		{"an archive that is not the registered one is refused before decryption", m.archive, strings.Repeat("ab", 32), m.secret, ""},
		// Without a registered hash (a developer's own archive) the
		// archive is blamed; with one, the key (see blameKey).
		{"an altered archive fails its integrity check", altered, "", m.secret, "archive"},
		{"a truncated archive fails its integrity check", truncated, "", m.secret, "archive"},
		{"a registered archive failing its integrity check blames the key", truncated, sha256Hex(truncated), m.secret, "decryption_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, cache, err := encryptedRun(t, c, podman, tt.archive, tt.hash, tt.key)
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
			var mismatch *cube.HashMismatchError
			if tt.field == "" && !errors.As(err, &mismatch) {
				t.Fatalf("got %v, want a hash mismatch", err)
			}
			if tt.field != "" && e.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", e.Field, tt.field, err)
			}
			if _, err := c.ImageInspect(context.Background(), m.id); err == nil {
				t.Error("an image was left loaded")
				c.ImageRemove(context.Background(), m.id, image.RemoveOptions{Force: true})
			}
			if left := managedContainers(t, c, os.Getpid()); len(left) != 0 {
				t.Errorf("containers left: %v", left)
			}
			if r.out.Len() != 0 {
				t.Errorf("the task ran: %s", r.out)
			}
			if _, err := os.Stat(r.output); !os.IsNotExist(err) {
				t.Error("outputs were created before the image was verified")
			}
			assertNoClearArchive(t, cache)
			if tt.key == nil {
				if entries, _ := os.ReadDir(filepath.Join(cache, "images")); len(entries) != 0 {
					t.Errorf("the archive was fetched without a key: %v", entries)
				}
			}
		})
	}
}

func testEncryptedRun(t *testing.T, c *client.Client, podman bool, m *encryptedModel) {
	ctx := context.Background()
	sum := sha256Hex(m.archive)
	rt := NewWithClient(c, t.TempDir())
	rt.Podman = podman
	t.Cleanup(func() { c.ImageRemove(ctx, m.id, image.RemoveOptions{Force: true}) })
	t.Run("the owner's secret decrypts the archive into the engine and the model runs", func(t *testing.T) {
		r := MustProbeSpec(t, probeConfig(t, cube.EncryptedDockerArchive, writeArchive(t, m.archive)), func(q *cube.Request) {
			q.ImageHash, q.DecryptionKey = sum, m.secret
		}, "id")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		if r.results()["id"] == "" {
			t.Errorf("the decrypted image did not run: %s", r.out)
		}
		if _, err := c.ImageInspect(ctx, m.id); err != nil {
			t.Errorf("the archive's image is not loaded: %v", err)
		}
		cached, err := os.ReadFile(filepath.Join(rt.CacheDir, "images", sum))
		if err != nil || !bytes.Equal(cached, m.archive) {
			t.Errorf("the cache does not hold the encrypted archive as registered: %v", err)
		}
		assertNoClearArchive(t, rt.CacheDir)
		log, _ := os.ReadFile(r.spec.LogFile)
		if bytes.Contains(log, m.secret) || bytes.Contains(r.out.Bytes(), m.secret) {
			t.Error("the secret appears in the task's output")
		}
	})
	t.Run("an image already loaded is not fetched or decrypted again", func(t *testing.T) {
		os.Remove(filepath.Join(rt.CacheDir, "images", sum))
		r := MustProbeSpec(t, probeConfig(t, cube.EncryptedDockerArchive, filepath.Join(t.TempDir(), "gone.tar.gpg")), func(q *cube.Request) {
			q.ImageHash, q.DecryptionKey = sum, m.secret
		}, "id")
		if err := rt.Run(ctx, r.spec); err != nil {
			t.Fatalf("%v\n%s", err, r.out)
		}
		if _, err := os.Stat(filepath.Join(rt.CacheDir, "images", sum)); !os.IsNotExist(err) {
			t.Error("the archive was fetched again")
		}
	})
	t.Run("a failed load leaves an image that was there before", func(t *testing.T) {
		truncated := m.archive[:len(m.archive)-40]
		_, _, err := encryptedRun(t, c, podman, truncated, sha256Hex(truncated), m.secret)
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want invalid", err)
		}
		if _, err := c.ImageInspect(ctx, m.id); err != nil {
			t.Errorf("the image loaded before was removed: %v", err)
		}
	})
}

// testLateIntegrityFailure: an archive whose tar is whole but whose
// integrity check (gpg's MDC, at the very end) fails must leave no image,
// even though the engine could have loaded the tar before the end.
func testLateIntegrityFailure(t *testing.T, c *client.Client, podman bool, m *encryptedModel) {
	t.Run("an archive failing its integrity check at the end leaves no image", func(t *testing.T) {
		// Padding after the tar lets the whole tar pass the held-back tail.
		clear := append(bytes.Clone(m.clear), make([]byte, 4*holdBackSize)...)
		var buf bytes.Buffer
		cfg := &packet.Config{S2KConfig: &s2k.Config{S2KMode: s2k.IteratedSaltedS2K, Hash: crypto.SHA256, S2KCount: 1024}}
		w, err := openpgp.SymmetricallyEncrypt(&buf, trust.GPGPassphrase(m.secret), nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(clear)
		w.Close()
		bad := buf.Bytes()
		bad[len(bad)-1] ^= 0x01 // in the encrypted MDC: the data decrypts, the check fails
		_, _, err = encryptedRun(t, c, podman, bad, "", m.secret)
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "archive" {
			t.Fatalf("got %v, want invalid archive", err)
		}
		if _, err := c.ImageInspect(context.Background(), m.id); err == nil {
			t.Error("the image of an archive that failed its integrity check was left loaded")
			c.ImageRemove(context.Background(), m.id, image.RemoveOptions{Force: true})
		}
	})
}

// assertNoClearArchive fails when a file under dir holds a tar (the clear
// `docker save` archive): only encrypted bytes may be cached.
func assertNoClearArchive(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("ustar")) || bytes.Contains(b, []byte("manifest.json")) {
			t.Errorf("%s holds clear archive bytes", p)
		}
		return nil
	})
}
