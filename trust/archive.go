package trust

import (
	"bytes"
	"errors"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"

	"github.com/medperf/medperf"
)

// MedPerf's encrypted containers: the model owner runs `docker save`, then
// `gpg --batch --symmetric --passphrase-file secret.bin` over the archive,
// and registers the encrypted file's sha256. DecryptArchive turns that file
// back into the `docker save` stream for the engine's image load, without
// ever writing clear bytes to disk.

// errWrongPassphrase is what the prompt returns when openpgp asks again,
// which it does only after the first passphrase failed.
var errWrongPassphrase = errors.New("wrong passphrase")

// GPGPassphrase returns the passphrase gpg actually uses when given a file
// with --passphrase-file: the bytes before the first newline, cut at the
// first NUL byte (gpg keeps it as a C string). MedPerf's secret.bin is 32
// random bytes, so its passphrase is this prefix, not the whole file; the
// site must apply the same rule to an unwrapped secret or a
// --decryption-key file. (Checked against gpg 2.2 in the tests.)
func GPGPassphrase(secretFile []byte) []byte {
	if i := bytes.IndexByte(secretFile, '\n'); i >= 0 {
		secretFile = secretFile[:i]
	}
	if i := bytes.IndexByte(secretFile, 0); i >= 0 {
		secretFile = secretFile[:i]
	}
	return secretFile
}

// DecryptArchive returns the clear stream of an OpenPGP message encrypted
// symmetrically with passphrase (as `gpg --symmetric` makes it; apply
// GPGPassphrase to a passphrase file first). Nothing is buffered beyond
// OpenPGP's packet reader and nothing is written anywhere: the caller pipes
// the stream straight into the engine's image load.
//
// Contract for callers:
//   - Check the sha256 of the encrypted archive against the registered
//     hash BEFORE calling (hash while downloading to a private temporary
//     file, or hash a first pass): decryption proves only that someone
//     holding the passphrase made the file, not that it is the registered
//     model.
//   - Read the stream to io.EOF and treat any read error as fatal: OpenPGP
//     authenticates the data (the modification detection code or AEAD tag)
//     only at the end, so a truncated or altered archive is reported by
//     the last Read. Abort the image load (and remove a partially loaded
//     image) when Read fails.
//
// A wrong passphrase gives CodeInvalid with Field "decryption_key"; a file
// that is not a symmetrically encrypted, integrity-protected OpenPGP message
// gives CodeInvalid with Field "archive". Errors from the returned reader
// are *medperf.Error with CodeInvalid, except those of encrypted itself,
// which are passed through.
func DecryptArchive(encrypted io.Reader, passphrase []byte) (io.Reader, error) {
	if len(passphrase) == 0 {
		return nil, medperf.FieldError("decryption_key", "is empty")
	}
	src := &sourceReader{r: encrypted}
	asked := false
	prompt := func(_ []openpgp.Key, symmetric bool) ([]byte, error) {
		if !symmetric || asked {
			return nil, errWrongPassphrase
		}
		asked = true
		return passphrase, nil
	}
	md, err := openpgp.ReadMessage(src, openpgp.EntityList{}, prompt, nil)
	if err != nil {
		return nil, decryptError(src, err)
	}
	if !md.IsEncrypted || !md.IsSymmetricallyEncrypted || md.DecryptedWith.Entity != nil {
		return nil, medperf.FieldError("archive", "is not encrypted with a passphrase (gpg --symmetric)")
	}
	return &clearReader{src: src, r: md.UnverifiedBody}, nil
}

// decryptError classifies an error of openpgp.ReadMessage.
func decryptError(src *sourceReader, err error) error {
	if src.err != nil {
		return src.err
	}
	if errors.Is(err, errWrongPassphrase) || errors.Is(err, pgperrors.ErrKeyIncorrect) {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "decryption_key", Message: "does not decrypt this archive: it is the wrong key for this model", Err: err}
	}
	// gpg's own archives (a key derived from the passphrase, no quick
	// check honoured) turn a wrong passphrase into garbage whose first
	// packet fails to parse: openpgp reports that, generically, as a
	// session-key decryption failure before any clear byte is read.
	var sessionErr pgperrors.DecryptWithSessionKeyError
	if errors.As(err, &sessionErr) {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "decryption_key", Message: "does not decrypt this archive: it is the wrong key for this model (or the archive's first bytes are damaged)", Err: err}
	}
	return &medperf.Error{Code: medperf.CodeInvalid, Field: "archive", Message: "is not a gpg-symmetric encrypted archive with integrity protection", Err: err}
}

// sourceReader remembers the error of the encrypted source, so that an
// I/O failure is not reported as a corrupt archive.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// clearReader reports a failed integrity check as a medperf error.
type clearReader struct {
	src *sourceReader
	r   io.Reader
}

func (c *clearReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	if c.src.err != nil {
		return n, c.src.err
	}
	return n, &medperf.Error{Code: medperf.CodeInvalid, Field: "archive", Message: "failed its integrity check: the encrypted archive is truncated or was altered", Err: err}
}
