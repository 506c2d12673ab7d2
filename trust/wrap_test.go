package trust

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func TestWrapUnwrapSecret(t *testing.T) {
	alice, bob, eve := MustIdentity(t), MustIdentity(t), MustIdentity(t)
	secret := bytes.Repeat([]byte{0, '\n', 0xff, 'x'}, 8) // 32 bytes like MedPerf's
	wrapped, err := WrapSecret(secret, alice.Public(), bob.Public())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(wrapped), "-----BEGIN AGE ENCRYPTED FILE-----") || bytes.Contains(wrapped, secret) {
		t.Fatalf("wrapped = %s", wrapped)
	}
	for name, id := range map[string]*Identity{"alice": alice, "bob": bob} {
		got, err := UnwrapSecret(wrapped, id)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, secret) {
			t.Fatalf("%s unwrapped %x", name, got)
		}
	}
	t.Run("wrong key refused", func(t *testing.T) {
		_, err := UnwrapSecret(wrapped, eve)
		wantCode(t, err, medperf.CodeForbidden)
	})
	t.Run("altered refused", func(t *testing.T) {
		lines := strings.Split(string(wrapped), "\n")
		body := []byte(lines[len(lines)-3])
		body[len(body)/2] ^= 0x01
		lines[len(lines)-3] = string(body)
		_, err := UnwrapSecret([]byte(strings.Join(lines, "\n")), alice)
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("garbage refused", func(t *testing.T) {
		_, err := UnwrapSecret([]byte("hello"), alice)
		wantCode(t, err, medperf.CodeInvalid)
		_, err = UnwrapSecret(make([]byte, maxWrapped+1), alice)
		wantCode(t, err, medperf.CodeTooLarge)
	})
}

func TestWrapSecretRefuses(t *testing.T) {
	k := MustIdentity(t).Public()
	_, err := WrapSecret(nil, k)
	wantCode(t, err, medperf.CodeInvalid)
	_, err = WrapSecret(make([]byte, MaxSecretSize+1), k)
	wantCode(t, err, medperf.CodeInvalid)
	_, err = WrapSecret([]byte("s"))
	wantCode(t, err, medperf.CodeInvalid)
	_, err = WrapSecret([]byte("s"), PublicKey{})
	wantCode(t, err, medperf.CodeInvalid)
}

// TestInteropAgeTool shows that a data owner can unwrap with the standard
// age tool and the key file medperf wrote, and that medperf unwraps what
// age wrapped for the registered key line.
func TestInteropAgeTool(t *testing.T) {
	ageBin := needTool(t, "age")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "id_ed25519")
	id := MustIdentity(t)
	if err := SaveIdentity(keyPath, id, "site"); err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	wrapped, err := WrapSecret(secret, id.Public())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ageBin, "-d", "-i", keyPath)
	cmd.Stdin = bytes.NewReader(wrapped)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -d refused medperf's wrapped key: %v", err)
	}
	if !bytes.Equal(out, secret) {
		t.Fatalf("age -d = %q", out)
	}

	cmd = exec.Command(ageBin, "-a", "-R", keyPath+".pub")
	cmd.Stdin = bytes.NewReader(secret)
	byAge, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -R: %v", err)
	}
	got, err := UnwrapSecret(byAge, id)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("UnwrapSecret(age output) = %q, %v", got, err)
	}
	cmd = exec.Command(ageBin, "-r", id.Public().AgeRecipient())
	cmd.Stdin = bytes.NewReader(secret)
	binary, err := cmd.Output()
	if err != nil {
		t.Fatalf("age -r: %v", err)
	}
	if got, err := UnwrapSecret(binary, id); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("UnwrapSecret(binary age output) = %q, %v", got, err)
	}
}

func TestNilIdentityRefused(t *testing.T) {
	_, err := UnwrapSecret([]byte("x"), nil)
	wantCode(t, err, medperf.CodeInvalid)
	_, err = NewCheckpointSigner("log.example", nil)
	wantCode(t, err, medperf.CodeInvalid)
	_, err = SignStatement(context.Background(), nil, nil)
	wantCode(t, err, medperf.CodeInvalid)
}
