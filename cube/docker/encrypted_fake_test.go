package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/go-crypto/openpgp/s2k"
	"github.com/docker/docker/client"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// eagerEngine stands in for an engine that loads an image as soon as it
// has read a whole tar, without waiting for the end of the upload (Docker
// 20.10 and Podman 4.3 both read to the end first, so the real-engine
// tests cannot show what medperf does with an engine that does not).
type eagerEngine struct {
	mu        sync.Mutex
	id        string // the image id the archive holds
	loaded    bool   // the image is in the engine
	completed int    // loads that read a whole tar
	removed   int    // image removals
}

func (e *eagerEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/images/load") {
		e.load(w, r.Body) // the upload is read unlocked: other requests go on meanwhile
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/images/"+e.id+"/json") && e.loaded:
		json.NewEncoder(w).Encode(map[string]any{"Id": e.id})
	case r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/images/"+e.id):
		e.removed++
		e.loaded = false
		w.Write([]byte("[]"))
	default:
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message": "no such image"}`))
	}
}

// load reads the upload up to the end of its tar, and no further, then
// has the image if the tar held a manifest.
func (e *eagerEngine) load(w http.ResponseWriter, body io.Reader) {
	tr := tar.NewReader(body)
	manifest := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			http.Error(w, `{"message": "bad tar"}`, http.StatusInternalServerError)
			return
		}
		manifest = manifest || hdr.Name == "manifest.json"
	}
	if !manifest {
		http.Error(w, `{"message": "no manifest.json"}`, http.StatusInternalServerError)
		return
	}
	e.mu.Lock()
	e.completed++
	e.loaded = true
	e.mu.Unlock()
	w.Write([]byte(`{"stream": "Loaded image ID: ` + e.id + `"}` + "\n"))
}

// tarWithManifest is a small `docker save`-like tar naming image id.
func tarWithManifest(tb testing.TB, hex string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string][]byte{
		"layer.tar":     bytes.Repeat([]byte("L"), 20<<10),
		"manifest.json": []byte(`[{"Config": "` + hex + `.json", "Layers": ["layer.tar"]}]`),
	} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	return buf.Bytes()
}

// encryptBroken encrypts clear symmetrically with an integrity code that
// fails: every byte decrypts, the check at the very end does not.
func encryptBroken(tb testing.TB, clear, pass []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	cfg := &packet.Config{S2KConfig: &s2k.Config{S2KMode: s2k.IteratedSaltedS2K, Hash: crypto.SHA256, S2KCount: 1024}}
	w, err := openpgp.SymmetricallyEncrypt(&buf, pass, nil, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(clear)
	w.Close()
	b := buf.Bytes()
	b[len(b)-1] ^= 0x01
	return b
}

func TestEncryptedLoadOnAnEagerEngine(t *testing.T) {
	hex := strings.Repeat("5e", 32)
	pass := []byte("owner secret")
	tests := []struct {
		name string
		// padding after the tar: more than the held-back tail lets the
		// whole tar reach the engine before the integrity check fails.
		padding       int
		wantCompleted int
		wantRemoved   int
	}{
		{"the tar's end is held back until the integrity check, so no load completes", 0, 0, 0},
		{"an image loaded before the check failed is removed", 256 << 10, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &eagerEngine{id: "sha256:" + hex}
			srv := httptest.NewServer(eng)
			t.Cleanup(srv.Close)
			c, err := client.NewClientWithOpts(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithVersion("1.41"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			clear := append(tarWithManifest(t, hex), make([]byte, tt.padding)...)
			archive := filepath.Join(t.TempDir(), "model.tar.gpg")
			os.WriteFile(archive, encryptBroken(t, clear, pass), 0o600)
			rt := NewWithClient(c, t.TempDir())
			_, err = rt.decryptAndLoad(context.Background(), archive, cube.Secret(pass), false)
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "archive" {
				t.Fatalf("got %v, want invalid archive", err)
			}
			eng.mu.Lock()
			defer eng.mu.Unlock()
			if eng.completed != tt.wantCompleted || eng.removed != tt.wantRemoved || eng.loaded {
				t.Errorf("loads completed %d, removals %d, image left %v; want %d, %d, false", eng.completed, eng.removed, eng.loaded, tt.wantCompleted, tt.wantRemoved)
			}
		})
	}
}
