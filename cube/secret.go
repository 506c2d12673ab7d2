package cube

import (
	"fmt"
	"log/slog"
)

// Secret holds a model owner's decryption secret (the bytes of MedPerf's
// secret.bin). It prints, logs and marshals as "[secret]" so that a Spec
// or Request shown in an error, a log line or a journal never carries the
// key; only the runtime that decrypts reads its bytes.
type Secret []byte

const redacted = "[secret]"

// Format prints "[secret]" whatever the verb.
func (Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, redacted) }

// String returns "[secret]".
func (Secret) String() string { return redacted }

// GoString returns "[secret]".
func (Secret) GoString() string { return redacted }

// MarshalText returns "[secret]": JSON and YAML encoders never see the bytes.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue returns "[secret]" for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
