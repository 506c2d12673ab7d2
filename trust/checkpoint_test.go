package trust

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/medperf/medperf"
)

// TestCheckpointSignerKnownVector uses the example key and signature from
// the golang.org/x/mod/sumdb/note documentation: our ed25519 signer, built
// from the same seed, must produce the same verifier key and signature.
func TestCheckpointSignerKnownVector(t *testing.T) {
	const (
		skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
		vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
		text = "If you think cryptography is the answer to your problem,\n" +
			"then you don't know what your problem is.\n"
		sigLine = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	)
	raw, err := base64.StdEncoding.DecodeString(strings.SplitN(skey, "+", 5)[4])
	if err != nil || raw[0] != 1 {
		t.Fatalf("bad example key: %v", err)
	}
	id, err := IdentityFromSeed(raw[1:])
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewCheckpointSigner("PeterNeumann", id)
	if err != nil {
		t.Fatal(err)
	}
	if s.VerifierKey() != vkey {
		t.Fatalf("verifier key = %s, want %s", s.VerifierKey(), vkey)
	}
	msg, err := note.Sign(&note.Note{Text: text}, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := text + "\n" + sigLine; string(msg) != want {
		t.Fatalf("signed note =\n%s\nwant\n%s", msg, want)
	}
}

func MustCheckpointSigner(tb testing.TB, origin string) *CheckpointSigner {
	tb.Helper()
	s, err := NewCheckpointSigner(origin, MustIdentity(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestCheckpointSignOpen(t *testing.T) {
	s := MustCheckpointSigner(t, "registry.example.org/medperf")
	log := MustLog(t, vectorLeaves(t))
	c := Checkpoint{Origin: s.Name(), Size: 8, Root: mustRoot(t, log, 8)}
	msg, err := s.SignCheckpoint(c)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "registry.example.org/medperf\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n— registry.example.org/medperf "
	if !strings.HasPrefix(string(msg), wantText) {
		t.Fatalf("signed checkpoint =\n%s\nwant prefix\n%s", msg, wantText)
	}
	got, err := OpenCheckpoint(msg, s.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != c.Origin || got.Size != 8 || got.Root != c.Root || len(got.Extensions) != 0 {
		t.Fatalf("opened %+v, want %+v", got, c)
	}

	t.Run("extension lines survive", func(t *testing.T) {
		c2 := c
		c2.Extensions = []string{"timestamp 1764500000"}
		msg, err := s.SignCheckpoint(c2)
		if err != nil {
			t.Fatal(err)
		}
		got, err := OpenCheckpoint(msg, s.VerifierKey())
		if err != nil || len(got.Extensions) != 1 || got.Extensions[0] != c2.Extensions[0] {
			t.Fatalf("opened %+v, %v", got, err)
		}
	})
	t.Run("altered size refused", func(t *testing.T) {
		bad := bytes.Replace(msg, []byte("\n8\n"), []byte("\n9\n"), 1)
		_, err := OpenCheckpoint(bad, s.VerifierKey())
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("altered root refused", func(t *testing.T) {
		bad := bytes.Replace(msg, []byte("Xcna"), []byte("Ycna"), 1)
		_, err := OpenCheckpoint(bad, s.VerifierKey())
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("another key with the same name refused", func(t *testing.T) {
		other := MustCheckpointSigner(t, s.Name())
		_, err := OpenCheckpoint(msg, other.VerifierKey())
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("origin must match the signer", func(t *testing.T) {
		_, err := s.SignCheckpoint(Checkpoint{Origin: "other", Size: 1})
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("bad verifier key", func(t *testing.T) {
		_, err := OpenCheckpoint(msg, "not a key")
		wantCode(t, err, medperf.CodeInvalid)
	})
	t.Run("too large", func(t *testing.T) {
		_, err := OpenCheckpoint(make([]byte, maxCheckpoint+1), s.VerifierKey())
		wantCode(t, err, medperf.CodeTooLarge)
	})
}

// TestOpenCheckpointRefusesOtherOrigin: a log key must not vouch for a
// checkpoint of another log, even when its signature is valid.
func TestOpenCheckpointRefusesOtherOrigin(t *testing.T) {
	s := MustCheckpointSigner(t, "a.example")
	text := Checkpoint{Origin: "b.example", Size: 1}.Text()
	msg, err := note.Sign(&note.Note{Text: string(text)}, s)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenCheckpoint(msg, s.VerifierKey())
	wantCode(t, err, medperf.CodeInvalid)
}

func TestParseCheckpointRefuses(t *testing.T) {
	root := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for name, text := range map[string]string{
		"empty":           "",
		"no newline":      "o\n1\n" + root,
		"two lines":       "o\n1\n",
		"origin space":    "a b\n1\n" + root + "\n",
		"origin plus":     "a+b\n1\n" + root + "\n",
		"size negative":   "o\n-1\n" + root + "\n",
		"size padded":     "o\n01\n" + root + "\n",
		"size not number": "o\nten\n" + root + "\n",
		"short root":      "o\n1\nAAAA\n",
		"blank extension": "o\n1\n" + root + "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseCheckpoint([]byte(text))
			wantCode(t, err, medperf.CodeInvalid)
		})
	}
	_, err := NewCheckpointSigner("has space", MustIdentity(t))
	wantCode(t, err, medperf.CodeInvalid)
}

// TestInteropOpenSSLVerifiesCheckpoint checks a checkpoint signature the way
// docs/trust.md describes for readers without Go: the signed bytes are the
// note text, and the signature is the base64 after the key name minus its
// first four bytes (the key hash).
func TestInteropOpenSSLVerifiesCheckpoint(t *testing.T) {
	openssl := needTool(t, "openssl")
	id := MustIdentity(t)
	s, err := NewCheckpointSigner("registry.example.org/medperf", id)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.SignCheckpoint(Checkpoint{Origin: s.Name(), Size: 8, Root: mustRoot(t, MustLog(t, vectorLeaves(t)), 8)})
	if err != nil {
		t.Fatal(err)
	}
	text, sigs, _ := strings.Cut(string(msg), "\n\n")
	fields := strings.Fields(sigs)
	sig, err := base64.StdEncoding.DecodeString(fields[2])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, data := range map[string][]byte{"text": []byte(text + "\n"), "sig": sig[4:], "pub.pem": []byte(id.Public().PEM())} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "text", "-sigfile", "sig")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl refused the checkpoint signature: %v\n%s", err, out)
	}
}
