package site

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/trust"
)

// Private models (docs/trust.md): an encrypted container runs only with
// its owner's secret, given with --decryption-key (Site.DecryptionKey) or
// obtained through Site.ModelKeys, asked before anything of the container
// is downloaded. The secret stays in memory: it goes to the runtime, which
// decrypts the image as a stream into the engine.

// imagesCacheDir holds encrypted archives fetched to check a key at
// submission; runs use the runtime's own cache.
const imagesCacheDir = "cache/images"

// ContainerKeyPath returns where the model owner's secret of container id,
// registered on server, is kept by `container submit --decryption-key`,
// under home (MEDPERF_HOME): home/keys/containers/<host_port>/<id>.key, as
// container ids are per server. The grant commands read it there.
func ContainerKeyPath(home, server string, id int64) string {
	return filepath.Join(home, "keys", "containers", serverDirName(server), strconv.FormatInt(id, 10)+".key")
}

// LegacyContainerKeyPath is where medperf kept the secret before the path
// named the server (home/keys/containers/<id>.key): it is not read, since
// it may be another server's container id, but a missing key's message
// points at it.
func LegacyContainerKeyPath(home string, id int64) string {
	return filepath.Join(home, "keys", "containers", strconv.FormatInt(id, 10)+".key")
}

// StoreContainerKey writes key to ContainerKeyPath(home, server, id),
// readable by the user only (the file 0600, its folders 0700), replacing
// any earlier copy atomically.
func StoreContainerKey(home, server string, id int64, key []byte) error {
	p := ContainerKeyPath(home, server, id)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return storageError(err)
	}
	for _, d := range []string{filepath.Dir(filepath.Dir(dir)), filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o700); err != nil {
			return storageError(err)
		}
	}
	tmp, err := os.CreateTemp(dir, ".key-*")
	if err != nil {
		return storageError(err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(key)
	if serr := tmp.Sync(); err == nil {
		err = serr
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		return storageError(err)
	}
	return nil
}

// containerKey returns the secret to run registered container c, whose
// config is cfg: nil for a type that is not encrypted, else the
// --decryption-key secret, else what ModelKeys gives. An error of
// ModelKeys (CodeForbidden: no access grant) is returned with its code;
// without a key at all the error is cube's CodeInvalid decryption_key.
func (s *Site) containerKey(ctx context.Context, benchmarkID int64, c *medperf.Container, cfg *cube.Config) (cube.Secret, error) {
	if !cfg.Type.Encrypted() {
		return nil, nil
	}
	if len(s.DecryptionKey) > 0 {
		return s.DecryptionKey, nil
	}
	if s.ModelKeys == nil {
		return nil, cfg.Type.Runnable(nil)
	}
	key, err := s.ModelKeys(ctx, benchmarkID, *c)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.ErrorCode(err), Err: err, Message: fmt.Sprintf(
			"container %d (%s) is encrypted and this site has no key for it: %s", c.ID, c.Name, medperf.ErrorMessage(err))}
	}
	if len(key) == 0 {
		return nil, cfg.Type.Runnable(nil)
	}
	return key, nil
}

// componentKey returns the key comp runs with: its own (a registered
// container's, see containerKey), else --decryption-key for a local config
// of an encrypted type. Without one an encrypted type is refused here,
// before any output is touched.
func (s *Site) componentKey(comp *Component) (cube.Secret, error) {
	key := comp.DecryptionKey
	if key == nil && comp.ID == 0 && comp.Config.Type.Encrypted() {
		key = s.DecryptionKey
	}
	if err := comp.Config.Type.Runnable(key); err != nil {
		return nil, err
	}
	return key, nil
}

// checkKeyDecrypts checks, at submission, that key decrypts the encrypted
// image at src (a local path, or a URL fetched and verified against hash)
// to its end, so that an owner cannot register a model nobody can run.
// Nothing decrypted is kept.
func (s *Site) checkKeyDecrypts(ctx context.Context, cfg *cube.Config, src, hash string, key cube.Secret) error {
	if !cfg.Type.Encrypted() {
		return medperf.FieldError("--decryption-key", "container type %s is not encrypted: a decryption key is for %s and %s", cfg.Type, cube.EncryptedDockerArchive, cube.EncryptedSingularityFile)
	}
	file := src
	if cube.IsURL(src) {
		s.progress("downloading the encrypted image to check the decryption key ...")
		var err error
		if file, _, err = cube.FetchFile(s.fetchContext(ctx, true), s.HTTP, src, hash, s.path(imagesCacheDir), "encrypted image"); err != nil {
			return err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return medperf.FieldError("-m", "cannot open the encrypted image: %v", err)
	}
	defer f.Close()
	clear, err := trust.DecryptArchive(f, trust.GPGPassphrase(key))
	if err == nil {
		_, err = io.Copy(io.Discard, clear)
	}
	if err != nil {
		return &medperf.Error{Code: medperf.ErrorCode(err), Field: "--decryption-key", Err: err, Message: fmt.Sprintf(
			"does not decrypt the image %s: %s; nothing was registered", filepath.Base(src), medperf.ErrorMessage(err))}
	}
	return nil
}
