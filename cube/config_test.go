package cube

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

func TestRunnableDecidesWhichTypesCanRun(t *testing.T) {
	for _, ct := range ContainerTypes {
		t.Run(string(ct)+" without a key", func(t *testing.T) {
			err := ct.Runnable(nil)
			if !ct.Encrypted() {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "decryption_key" {
				t.Fatalf("got %#v, want invalid decryption_key", err)
			}
		})
		t.Run(string(ct)+" with a key", func(t *testing.T) {
			if err := ct.Runnable(Secret("s3cret")); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
		})
	}
}

func TestSpecRunnableUsesItsKey(t *testing.T) {
	s := &Spec{Config: &Config{Type: EncryptedDockerArchive}}
	if medperf.ErrorCode(s.Runnable()) != medperf.CodeInvalid {
		t.Fatal("an encrypted spec without a key is runnable")
	}
	s.DecryptionKey = Secret("k")
	if err := s.Runnable(); err != nil {
		t.Fatal(err)
	}
}

// TestSecretNeverPrints: a Spec or Request shown in an error, a log line or
// a journal must not carry the key.
func TestSecretNeverPrints(t *testing.T) {
	const key = "topsecretkeybytes"
	req := Request{DecryptionKey: Secret(key)}
	spec := Spec{DecryptionKey: Secret(key)}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("run", "key", spec.DecryptionKey)
	js, err := json.Marshal(struct {
		K Secret
		S Spec
	}{Secret(key), spec})
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{
		fmt.Sprintf("%v %+v %#v %s %x %q", req, req, spec, spec.DecryptionKey, spec.DecryptionKey, spec.DecryptionKey),
		fmt.Sprint(spec.DecryptionKey), spec.DecryptionKey.String(), logged.String(), string(js),
	} {
		if strings.Contains(out, key) || strings.Contains(out, fmt.Sprintf("%x", key)) {
			t.Errorf("the key leaked: %s", out)
		}
		if !strings.Contains(out, "[secret]") {
			t.Errorf("no redaction marker in %s", out)
		}
	}
}

func TestNewSpecCarriesTheKey(t *testing.T) {
	c, err := ParseConfig("container_config.yaml", []byte("container_type: EncryptedDockerArchive\nimage: m.tar.gpg\ntasks:\n  infer: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSpec(Request{Config: c, Task: "infer", DecryptionKey: Secret("k")})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.DecryptionKey) != "k" || s.Runnable() != nil {
		t.Fatal("NewSpec dropped the decryption key")
	}
}
