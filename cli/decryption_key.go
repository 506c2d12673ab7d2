package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/trust"
)

// maxKeyFile bounds a --decryption-key file: MedPerf's secret.bin is 32
// bytes, so anything larger than a secret can be wrapped for a grant is
// the wrong file.
const maxKeyFile = trust.MaxSecretSize

const decryptionKeyUsage = "file holding the model owner's secret (MedPerf's secret.bin) for encrypted containers; without it a site uses its access grant"

// addDecryptionKeyFlag adds --decryption-key FILE, MedPerf's flag, to a
// command that runs (or registers) encrypted containers.
func addDecryptionKeyFlag(c *cobra.Command, p *string, usage string) {
	c.Flags().StringVar(p, "decryption-key", "", usage)
}

// readDecryptionKey reads the --decryption-key file once. It must be a
// regular file, not empty, and give gpg a passphrase (a first line that is
// not empty); a file others may read is a warning on warn, not an error,
// since MedPerf users keep the file where they like. The key is never
// printed: errors name the file only.
func readDecryptionKey(path string, warn io.Writer) (cube.Secret, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, medperf.FieldError("--decryption-key", "cannot open %s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, medperf.FieldError("--decryption-key", "%s is not a regular file: give the key file (secret.bin) itself", path)
	}
	if fi.Size() > maxKeyFile {
		return nil, medperf.FieldError("--decryption-key", "%s is %d bytes: a decryption key file is a few bytes (MedPerf's secret.bin is 32); is it the right file?", path, fi.Size())
	}
	key, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, medperf.FieldError("--decryption-key", "cannot read %s: %v", path, unwrapPathError(err))
	}
	if len(key) == 0 || len(trust.GPGPassphrase(key)) == 0 {
		return nil, medperf.FieldError("--decryption-key", "%s gives gpg an empty passphrase (the file is empty, or starts with a newline or NUL byte)", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && warn != nil {
		fmt.Fprintf(warn, "warning: the decryption key %s can be read by other users (mode %04o): chmod 600 %s\n", path, perm, path)
	}
	return key, nil
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
