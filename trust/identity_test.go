package trust

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func TestSaveLoadIdentity(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "id_ed25519")
	id := MustIdentity(t)
	if err := SaveIdentity(path, id, "medperf test"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode = %04o, want 0600", info.Mode().Perm())
	}
	got, err := LoadIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Public().Equal(id.Public()) || !bytes.Equal(got.priv, id.priv) {
		t.Fatal("loaded identity differs from the saved one")
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ParsePublicKey(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	if !pk.Equal(id.Public()) {
		t.Fatal(".pub file holds another key")
	}
}

func TestSaveIdentityRefusesOverwrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "id")
	first := MustIdentity(t)
	if err := SaveIdentity(path, first, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, SaveIdentity(path, MustIdentity(t), ""), medperf.CodeConflict)
	got, err := LoadIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Public().Equal(first.Public()) {
		t.Fatal("the refused save changed the key")
	}

	t.Run("stray pub file refuses and writes nothing", func(t *testing.T) {
		p := filepath.Join(dir, "other")
		if err := os.WriteFile(p+".pub", []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantCode(t, SaveIdentity(p, MustIdentity(t), ""), medperf.CodeConflict)
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatal("private key written although the .pub file existed")
		}
	})
	t.Run("missing directory is invalid", func(t *testing.T) {
		wantCode(t, SaveIdentity(filepath.Join(dir, "no", "id"), MustIdentity(t), ""), medperf.CodeInvalid)
	})
}

func TestLoadIdentityRefusesReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id")
	if err := SaveIdentity(path, MustIdentity(t), ""); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o620} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadIdentity(path)
		wantCode(t, err, medperf.CodeForbidden)
		if !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("message %q does not say how to fix it", err)
		}
	}
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadIdentity(path); err != nil {
		t.Fatalf("mode 0400 refused: %v", err)
	}
}

func TestLoadIdentityBadFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadIdentity(filepath.Join(dir, "missing"))
	wantCode(t, err, medperf.CodeNotFound)

	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadIdentity(garbage)
	wantCode(t, err, medperf.CodeInvalid)

	_, err = LoadIdentity(dir)
	wantCode(t, err, medperf.CodeInvalid)
}

func TestParsePrivateRefusesEncryptedKey(t *testing.T) {
	keygen := needTool(t, "ssh-keygen")
	path := filepath.Join(t.TempDir(), "enc")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "secret", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	_, err := LoadIdentity(path)
	wantCode(t, err, medperf.CodeInvalid)
}

func TestParsePrivateReadsSSHKeygenKey(t *testing.T) {
	keygen := needTool(t, "ssh-keygen")
	path := filepath.Join(t.TempDir(), "plain")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	id, err := LoadIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(path + ".pub")
	pk, err := ParsePublicKey(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	if !pk.Equal(id.Public()) {
		t.Fatal("ssh-keygen's public key differs from the one medperf derives")
	}
}

// TestInteropSSHKeygen shows that standard tools agree with medperf on the
// key file, the public key line and the fingerprint.
func TestInteropSSHKeygen(t *testing.T) {
	keygen := needTool(t, "ssh-keygen")
	path := filepath.Join(t.TempDir(), "id")
	id := MustIdentity(t)
	if err := SaveIdentity(path, id, "site-a"); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(keygen, "-y", "-f", path).Output()
	if err != nil {
		t.Fatalf("ssh-keygen -y: %v", err)
	}
	if !strings.HasPrefix(string(out), id.Public().AuthorizedKey()) {
		t.Fatalf("ssh-keygen -y = %q, want %q", out, id.Public().AuthorizedKey())
	}
	out, err = exec.Command(keygen, "-l", "-E", "sha256", "-f", path+".pub").Output()
	if err != nil {
		t.Fatalf("ssh-keygen -l: %v", err)
	}
	if fields := strings.Fields(string(out)); len(fields) < 2 || fields[1] != id.Public().Fingerprint() {
		t.Fatalf("ssh-keygen -l = %q, want fingerprint %s", out, id.Public().Fingerprint())
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	id := MustIdentity(t)
	pk := id.Public()
	for name, text := range map[string]string{
		"authorized key":      pk.AuthorizedKey(),
		"with comment":        pk.AuthorizedKey() + " alice@hospital\n",
		"PEM":                 pk.PEM(),
		"PEM with whitespace": "\n" + pk.PEM() + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePublicKey(text)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(pk) || got.Fingerprint() != pk.Fingerprint() {
				t.Fatal("parsed another key")
			}
		})
	}
	if !strings.HasPrefix(pk.Fingerprint(), "SHA256:") || len(pk.Fingerprint()) != len("SHA256:")+43 {
		t.Fatalf("fingerprint %q is not SHA256: + 43 base64 characters", pk.Fingerprint())
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	pk := MustIdentity(t).Public()
	for name, text := range map[string]string{
		"empty":          "",
		"garbage":        "hello",
		"rsa key":        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDJ user",
		"two keys":       pk.AuthorizedKey() + "\n" + pk.AuthorizedKey(),
		"bad base64":     "ssh-ed25519 !!!!",
		"bad PEM":        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
		"PEM wrong type": strings.Replace(pk.PEM(), "PUBLIC KEY", "PRIVATE KEY", 2),
		"PEM plus junk":  pk.PEM() + "junk",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePublicKey(text)
			wantCode(t, err, medperf.CodeInvalid)
		})
	}
	_, err := PublicKeyFromEd25519(ed25519.PublicKey{1, 2})
	wantCode(t, err, medperf.CodeInvalid)
	_, err = IdentityFromSeed([]byte{1})
	wantCode(t, err, medperf.CodeInvalid)
}

// TestInteropPEMFromSSHLine runs docs/trust.md's conversion of a registered
// key line to the PEM openssl reads.
func TestInteropPEMFromSSHLine(t *testing.T) {
	needTool(t, "openssl")
	bash := needTool(t, "bash")
	dir := t.TempDir()
	id := MustIdentity(t)
	if err := os.WriteFile(filepath.Join(dir, "site.pub"), []byte(id.Public().AuthorizedKey()+" site\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `awk '{print $2}' site.pub | base64 -d | tail -c 32 > raw.key
{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; cat raw.key; } |
  openssl pkey -pubin -inform DER -out site.pem`
	cmd := exec.Command(bash, "-e", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("conversion failed: %v\n%s", err, out)
	}
	pem, err := os.ReadFile(filepath.Join(dir, "site.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if string(pem) != id.Public().PEM() {
		t.Fatalf("converted PEM =\n%s\nwant\n%s", pem, id.Public().PEM())
	}
}
