package trust

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"

	"github.com/medperf/medperf"
)

// encryptLikeGPG encrypts clear with passphrase as `gpg --symmetric` does:
// a passphrase-encrypted session key and integrity-protected, compressed data.
func encryptLikeGPG(tb testing.TB, clear, passphrase []byte, cfg *packet.Config) []byte {
	tb.Helper()
	if cfg == nil {
		cfg = &packet.Config{}
	}
	// A small key-derivation cost keeps the tests fast under -race; the
	// format is the same as gpg's (iterated and salted S2K).
	cfg.S2KConfig = &s2k.Config{S2KMode: s2k.IteratedSaltedS2K, Hash: crypto.SHA256, S2KCount: 1024}
	var out bytes.Buffer
	w, err := openpgp.SymmetricallyEncrypt(&out, passphrase, &openpgp.FileHints{FileName: "image.tar"}, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(clear); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

func randomBytes(tb testing.TB, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestDecryptArchive(t *testing.T) {
	clear := randomBytes(t, 1<<20+17)
	pass := []byte("correct horse battery staple")
	configs := map[string]*packet.Config{
		"defaults":        nil,
		"zlib like gpg":   {DefaultCompressionAlgo: packet.CompressionZLIB},
		"aead (OpenPGP6)": {AEADConfig: &packet.AEADConfig{}},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			enc := encryptLikeGPG(t, clear, pass, cfg)
			r, err := DecryptArchive(bytes.NewReader(enc), pass)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				t.Fatal(err)
			}
			if want := sha256.Sum256(clear); !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatal("decrypted stream differs from the clear archive")
			}
		})
	}
}

func TestDecryptArchiveRefuses(t *testing.T) {
	clear := randomBytes(t, 64<<10)
	pass := []byte("right")
	enc := encryptLikeGPG(t, clear, pass, nil)

	t.Run("wrong passphrase", func(t *testing.T) {
		for i := 0; i < 8; i++ { // openpgp notices most wrong keys early, the rest at the end
			r, err := DecryptArchive(bytes.NewReader(enc), []byte{'w', byte(i)})
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			wantCode(t, err, medperf.CodeInvalid)
		}
		var e *medperf.Error
		_, err := DecryptArchive(bytes.NewReader(enc), []byte("wrong"))
		if !errors.As(err, &e) || e.Field != "decryption_key" {
			t.Fatalf("wrong passphrase error = %#v, want field decryption_key", err)
		}
	})
	t.Run("empty passphrase", func(t *testing.T) {
		_, err := DecryptArchive(bytes.NewReader(enc), nil)
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("altered ciphertext", func(t *testing.T) {
		bad := append([]byte(nil), enc...)
		bad[len(bad)/2] ^= 0x01
		r, err := DecryptArchive(bytes.NewReader(bad), pass)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("truncated", func(t *testing.T) {
		r, err := DecryptArchive(bytes.NewReader(enc[:len(enc)-40]), pass)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err == nil {
			t.Fatal("a truncated archive decrypted without error")
		}
	})
	t.Run("not encrypted", func(t *testing.T) {
		var out bytes.Buffer
		w, err := openpgp.Sign(&out, mustPGPEntity(t), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(clear)
		w.Close()
		_, err = DecryptArchive(&out, pass)
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("garbage", func(t *testing.T) {
		_, err := DecryptArchive(bytes.NewReader([]byte("docker save output, not encrypted")), pass)
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("public-key encrypted", func(t *testing.T) {
		var out bytes.Buffer
		w, err := openpgp.Encrypt(&out, []*openpgp.Entity{mustPGPEntity(t)}, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(clear)
		w.Close()
		_, err = DecryptArchive(&out, pass)
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("source error passed through", func(t *testing.T) {
		boom := errors.New("disk on fire")
		r, err := DecryptArchive(io.MultiReader(bytes.NewReader(enc[:len(enc)/2]), errReader{boom}), pass)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if !errors.Is(err, boom) {
			t.Fatalf("error = %v, want the source's", err)
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func mustPGPEntity(tb testing.TB) *openpgp.Entity {
	tb.Helper()
	e, err := openpgp.NewEntity("site", "", "site@example.org", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestGPGPassphrase(t *testing.T) {
	for in, want := range map[string]string{
		"abc":       "abc",
		"abc\ndef":  "abc",
		"ab\x00cd":  "ab",
		"abc\r\n":   "abc\r",
		"\nrest":    "",
		"x\x00y\nz": "x",
	} {
		if got := string(GPGPassphrase([]byte(in))); got != want {
			t.Errorf("GPGPassphrase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDecryptArchiveMadeByGPG decrypts what the real gpg makes the way
// MedPerf's model owners do, with a secret file holding a newline and a NUL
// byte to pin GPGPassphrase's rule.
func TestDecryptArchiveMadeByGPG(t *testing.T) {
	gpg := needTool(t, "gpg")
	dir := t.TempDir()
	home := filepath.Join(dir, "gnupg")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	// gpg-agent picks the passphrase's key-derivation cost; a fixed small
	// one spares the agent's slow calibration and keeps the test fast.
	if err := os.WriteFile(filepath.Join(home, "gpg-agent.conf"), []byte("s2k-count 65536\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clear := randomBytes(t, 256<<10)
	secret := append([]byte("s3cr\xfft"), 0, '\n', 'z', 'z') // effective passphrase: "s3cr\xfft"
	for name, data := range map[string][]byte{"image.tar": clear, "secret.bin": secret} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(gpg, "--homedir", home, "--batch", "--no-symkey-cache", "--symmetric",
		"--passphrase-file", "secret.bin", "-o", "image.tar.gpg", "image.tar")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gpg --symmetric: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("gpgconf", "--homedir", home, "--kill", "gpg-agent").Run() })
	enc, err := os.ReadFile(filepath.Join(dir, "image.tar.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecryptArchive(bytes.NewReader(enc), GPGPassphrase(secret))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, clear) {
		t.Fatal("gpg's archive decrypted to other bytes")
	}
	// gpg's archives have no session key of their own and OpenPGP keeps no
	// check value of the passphrase, so a wrong one is usually told apart
	// from a damaged archive at once, by its field; but now and then the
	// garbage it decrypts to parses as a packet, and only the integrity
	// code at the end refuses it. Either way nothing passes.
	// (secret is the whole file, which is not the passphrase.)
	for _, wrong := range [][]byte{secret, []byte("s3cr"), []byte("another secret")} {
		r, err := DecryptArchive(bytes.NewReader(enc), wrong)
		if err == nil {
			_, err = io.ReadAll(r)
			wantCode(t, err, medperf.CodeInvalid)
			continue
		}
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "decryption_key" {
			t.Errorf("passphrase %q: got %v, want invalid decryption_key", wrong, err)
		}
	}
}
