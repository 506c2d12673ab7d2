package trust

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"

	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"

	"github.com/medperf/medperf"
)

// The registry cannot open a wrapped secret, but it can read the age
// header's recipient stanzas: each ssh-ed25519 stanza names its recipient
// by a 4-byte tag of the key (age's format, C2SP age.md). Matching those
// tags against a data owner's registered keys catches a secret wrapped for
// the wrong user before anyone tries to run the model.

// maxHeaderLine bounds one header line; age wraps stanza bodies at 64
// columns and its argument lines are short.
const maxHeaderLine = 4 << 10

// WrappedFor returns the keys among keys that the armored age file wrapped
// names as ssh-ed25519 recipients, in the order of keys. It gives
// CodeInvalid on "wrapped_key" when wrapped is not an ASCII-armored age
// file (no armor, bad base64, no version line, no recipient stanza, no MAC
// line) and CodeTooLarge above the wrapped-key limit. An empty result with
// no error means the file is for someone else.
func WrappedFor(wrapped []byte, keys ...PublicKey) ([]PublicKey, error) {
	if len(wrapped) > maxWrapped {
		return nil, medperf.Errorf(medperf.CodeTooLarge, "the wrapped key is %d bytes; the limit is %d", len(wrapped), maxWrapped)
	}
	tags, err := recipientTags(wrapped)
	if err != nil {
		return nil, err
	}
	var out []PublicKey
	for _, k := range keys {
		if tags[k.ageTag()] {
			out = append(out, k)
		}
	}
	return out, nil
}

// ageTag is the tag age writes in a stanza for k: the unpadded base64 of
// the first four bytes of the SHA-256 of its SSH wire encoding.
func (k PublicKey) ageTag() string {
	pk, err := ssh.NewPublicKey(k.key)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(pk.Marshal())
	return base64.RawStdEncoding.EncodeToString(h[:4])
}

func notAgeFile(why string, err error) error {
	return &medperf.Error{Code: medperf.CodeInvalid, Field: "wrapped_key", Message: "is not an ASCII-armored age file: " + why, Err: err}
}

// recipientTags reads the header of an armored age file and returns the
// tags of its ssh-ed25519 stanzas.
func recipientTags(wrapped []byte) (map[string]bool, error) {
	text := strings.TrimSpace(string(wrapped))
	if !strings.HasPrefix(text, medperf.WrappedKeyHeader) {
		return nil, notAgeFile("it does not start with "+medperf.WrappedKeyHeader, nil)
	}
	r := bufio.NewReaderSize(armor.NewReader(strings.NewReader(text)), maxHeaderLine)
	version, err := headerLine(r)
	if err != nil {
		return nil, err
	}
	if version != "age-encryption.org/v1" {
		return nil, notAgeFile("its version line is missing", nil)
	}
	tags := map[string]bool{}
	stanzas := 0
	for {
		line, err := headerLine(r)
		if err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(line, "--- "):
			if stanzas == 0 {
				return nil, notAgeFile("it has no recipient", nil)
			}
			return tags, nil
		case strings.HasPrefix(line, "-> "):
			stanzas++
			if f := strings.Fields(line); len(f) >= 3 && f[1] == "ssh-ed25519" {
				tags[f[2]] = true
			}
		}
	}
}

// headerLine reads one line of the header without its newline.
func headerLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", notAgeFile("a header line is too long", err)
	case err == io.EOF:
		return "", notAgeFile("its header ends early", err)
	case err != nil:
		return "", notAgeFile("its armor does not decode", err)
	}
	return strings.TrimSuffix(string(line), "\n"), nil
}
