package docker

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/trust"
)

// Private models (EncryptedDockerArchive): MedPerf's model owners encrypt
// the `docker save` archive with `gpg --symmetric`. The encrypted file is
// fetched and cached like any archive, its sha256 checked against the
// registered hash; it is then decrypted as a stream straight into the
// engine's image load. The clear archive is never written by medperf: not
// to the cache, not to a temporary file (the engine stores the loaded image
// as it stores every image).

// holdBackSize is how many clear bytes are kept from the engine until the
// encrypted archive has been read to its end. gpg's integrity check (the
// modification detection code) is known only at the end of the stream, so
// the engine must not see the end of the tar (its last entries and the
// end-of-archive blocks) before then: a truncated or altered archive then
// never completes a load.
const holdBackSize = 64 << 10

// loadedSuffix names the file beside a cached encrypted archive that holds
// the id of the image it loaded: not secret, and it spares decrypting again.
const loadedSuffix = ".image-id"

// loadEncryptedArchive fetches the encrypted archive (verified against the
// registered hash before anything is decrypted), decrypts it with the
// spec's key into the engine and returns the loaded image's id. An archive
// already loaded is not decrypted again.
func (r *Runtime) loadEncryptedArchive(ctx context.Context, spec *cube.Spec) (string, error) {
	dir := filepath.Join(r.CacheDir, "images")
	if id := r.loadedImage(ctx, dir, spec.ImageHash); id != "" {
		return id, nil
	}
	file, sum, err := cube.FetchFile(ctx, r.HTTPClient, spec.Image, spec.ImageHash, dir, "encrypted image archive")
	if err != nil {
		return "", err
	}
	if id := r.loadedImage(ctx, dir, sum); id != "" {
		return id, nil
	}
	id, err := r.decryptAndLoad(ctx, file, spec.DecryptionKey, spec.ImageHash != "")
	if err != nil {
		return "", err
	}
	rememberLoaded(dir, sum, id)
	return id, nil
}

// loadedImage returns the id of the image the encrypted archive with sha256
// hash loaded before, when the engine still has it; "" otherwise.
func (r *Runtime) loadedImage(ctx context.Context, dir, hash string) string {
	h, err := cube.NormalizeHash(hash)
	if err != nil {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, h+loadedSuffix))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(string(b))
	if _, err := cube.NormalizeHash(id); err != nil || !strings.HasPrefix(id, "sha256:") {
		return ""
	}
	if _, err := r.client.ImageInspect(ctx, id); err != nil {
		return ""
	}
	return id
}

// rememberLoaded records that the archive with sha256 hash loaded image id.
// It is best effort: without it the next run decrypts again.
func rememberLoaded(dir, hash, id string) {
	tmp, err := os.CreateTemp(dir, ".download-id-*")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(id + "\n")
	if cerr := tmp.Close(); err == nil && cerr == nil {
		os.Rename(tmp.Name(), filepath.Join(dir, hash+loadedSuffix))
	}
}

// decryptAndLoad decrypts the verified encrypted archive file with key into
// the engine's image load, learning the image id from manifest.json as the
// tar passes by, and reads the archive to its end. On any failure the load
// is aborted and an image it added is removed. registered says the file's
// sha256 is the registered one (see blameKey).
func (r *Runtime) decryptAndLoad(ctx context.Context, file string, key cube.Secret, registered bool) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeNotFound, "cannot open the encrypted image archive: %v", err)
	}
	defer f.Close()
	clear, err := trust.DecryptArchive(f, trust.GPGPassphrase(key))
	if err != nil {
		return "", err
	}
	src := &streamState{r: clear}
	existed := false
	sniff := sniffManifest(func(id string) {
		// The engine cannot have finished this load yet (the tail is
		// held back), so an image found now was there before.
		_, err := r.client.ImageInspect(ctx, id)
		existed = err == nil
	})
	body := io.TeeReader(endOnError{newHoldBack(src, holdBackSize)}, sniff)
	loadCtx, cancel := context.WithCancel(ctx)
	loadErr := r.imageLoad(loadCtx, body)
	if loadErr == nil && src.err == nil && !src.eof {
		// The engine stopped reading before the end: the integrity
		// check is still to be done.
		_, loadErr = io.Copy(io.Discard, body)
	}
	cancel()
	id, idErr := sniff.finish()
	streamErr := src.err
	if registered {
		streamErr = blameKey(streamErr)
	}
	err = firstError(streamErr, ctxError(ctx), loadErr, idErr)
	if err == nil {
		if _, ierr := r.client.ImageInspect(ctx, id); ierr != nil {
			err = medperf.Errorf(medperf.CodeInvalid, "the decrypted image archive did not hold the image its manifest names")
		}
	}
	if err != nil {
		if id != "" && !existed {
			r.removeImage(id)
		}
		return "", err
	}
	return id, nil
}

// imageLoad sends body to the engine's image load and reads its answer.
func (r *Runtime) imageLoad(ctx context.Context, body io.Reader) error {
	resp, err := r.client.ImageLoad(ctx, body, client.ImageLoadWithQuiet(true))
	if err != nil {
		return engineError(ctx, "load the decrypted image archive", err)
	}
	defer resp.Body.Close()
	if err := streamError(resp.Body); err != nil {
		return medperf.Errorf(medperf.CodeInvalid, "the engine could not load the decrypted image archive: %v", err)
	}
	return nil
}

// removeImage removes an image a failed load left behind. It runs after
// the caller's context may have ended, so it has its own deadline.
func (r *Runtime) removeImage(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.client.ImageRemove(ctx, id, image.RemoveOptions{Force: true, PruneChildren: true})
}

// blameKey turns an integrity failure of a registered archive into a
// wrong key. gpg's archives carry no check of the passphrase itself: a
// wrong one mostly fails at once, but now and then decrypts to garbage that
// only the integrity check at the end catches. When the archive's sha256
// is the registered one it is the file the owner registered, so the key is
// what is wrong (or the owner registered a damaged archive).
func blameKey(err error) error {
	var e *medperf.Error
	if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "archive" {
		return err
	}
	return &medperf.Error{Code: medperf.CodeInvalid, Field: "decryption_key", Err: err, Message: "does not decrypt this archive: " +
		"the archive is the registered one (its sha256 matched), so the key is wrong for this model, or the owner registered a damaged archive"}
}

func ctxError(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return &medperf.Error{Code: medperf.CodeCanceled, Message: "interrupted while loading the encrypted image", Err: ctx.Err()}
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// streamState remembers how the clear stream ended: at its end (the
// archive's integrity verified) or with an error, which is kept as the
// cause of a failed load whatever the engine reports.
type streamState struct {
	r   io.Reader
	eof bool
	err error
}

func (s *streamState) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil && s.err == nil:
		s.err = err
	}
	return n, err
}

// endOnError ends the upload cleanly, without the held-back tail, when the
// clear stream fails (the failure is kept in streamState). An aborted
// request would leave the engine working on what it already had after
// medperf gave up; an upload that ends lets the engine answer first, so
// that an image it loaded anyway is removed after it is there.
type endOnError struct{ r io.Reader }

func (e endOnError) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		return n, io.EOF
	}
	return n, err
}

// holdBack passes a stream on but keeps its last n bytes until the stream
// has ended without error.
type holdBack struct {
	r   io.Reader
	n   int
	buf []byte
	eof bool
}

func newHoldBack(r io.Reader, n int) *holdBack {
	return &holdBack{r: r, n: n, buf: make([]byte, 0, n+32<<10)}
}

func (h *holdBack) Read(p []byte) (int, error) {
	for !h.eof && len(h.buf) <= h.n {
		m, err := h.r.Read(h.buf[len(h.buf):cap(h.buf)])
		h.buf = h.buf[:len(h.buf)+m]
		if err == io.EOF {
			h.eof = true
		} else if err != nil {
			return 0, err
		}
	}
	avail := len(h.buf)
	if !h.eof {
		avail -= h.n
	}
	if avail == 0 {
		return 0, io.EOF
	}
	k := copy(p, h.buf[:avail])
	h.buf = h.buf[:copy(h.buf, h.buf[k:])]
	return k, nil
}

// manifestSniffer reads the tar written to it, in its own goroutine, for
// the image id of its manifest.json, and drains the rest so that writes
// never block for long.
type manifestSniffer struct {
	pw   *io.PipeWriter
	done chan struct{}
	id   string
	err  error
}

// sniffManifest starts a sniffer; onID is called (from its goroutine) as
// soon as the id is known.
func sniffManifest(onID func(id string)) *manifestSniffer {
	pr, pw := io.Pipe()
	s := &manifestSniffer{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.id, s.err = manifestImageID(pr)
		if s.err == nil {
			onID(s.id)
		}
		io.Copy(io.Discard, pr)
	}()
	return s
}

func (s *manifestSniffer) Write(p []byte) (int, error) { return s.pw.Write(p) }

// finish ends the stream and returns what the sniffer found.
func (s *manifestSniffer) finish() (string, error) {
	s.pw.Close()
	<-s.done
	return s.id, s.err
}
