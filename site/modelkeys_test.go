package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

// encryptedModelInput is the model cube registered as an encrypted
// archive at a URL, with additional files at filesURL.
func encryptedModelInput(tb testing.TB, filesURL string) medperf.ContainerInput {
	tb.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal(cubes.ContainerConfig(cubes.ModelCC, "unused"), &cfg); err != nil {
		tb.Fatal(err)
	}
	cfg["container_type"], cfg["image"] = string(cube.EncryptedDockerArchive), "https://models.example.org/cc.tar.gpg"
	raw, _ := json.Marshal(cfg)
	return medperf.ContainerInput{Name: "private-" + filepath.Base(tb.TempDir()), Config: raw, ImageHash: "sha256:" + medperftest.Hash("private"),
		State: medperf.StateOperation, AdditionalFilesURL: filesURL, AdditionalFilesHash: medperftest.Hash("weights"),
		Parameters: json.RawMessage(`{"threshold": 1.5}`)}
}

// countingServer counts the requests it gets and answers 404.
func countingServer(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		http.NotFound(w, nil)
	}))
	tb.Cleanup(srv.Close)
	return srv, &n
}

func TestContainerAsksTheKeyBeforeAnyDownload(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	ctx := context.Background()
	files, hits := countingServer(t)
	enc, err := w.ModelOwner.CreateContainer(ctx, encryptedModelInput(t, files.URL+"/weights.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	clear, err := w.ModelOwner.CreateContainer(ctx, cubeContainer(t, cubes.ModelCC))
	if err != nil {
		t.Fatal(err)
	}
	grant := []byte("owner secret\n")
	var asked []int64
	keys := func(key []byte, err error) func(context.Context, int64, medperf.Container) ([]byte, error) {
		return func(_ context.Context, _ int64, c medperf.Container) ([]byte, error) {
			asked = append(asked, c.ID)
			return key, err
		}
	}
	noGrant := medperf.Errorf(medperf.CodeForbidden, "no access grant for this model")
	tests := []struct {
		name      string
		flagKey   cube.Secret
		modelKeys func(context.Context, int64, medperf.Container) ([]byte, error)
		code      medperf.Code
		field     string
		wantKey   string
		asks      int
	}{
		{"a site without a grant is refused", nil, keys(nil, noGrant), medperf.CodeForbidden, "", "", 1},
		{"a site without any key source is told what to do", nil, nil, medperf.CodeInvalid, "decryption_key", "", 0},
		{"an empty key from the source is no key", nil, keys([]byte{}, nil), medperf.CodeInvalid, "decryption_key", "", 1},
		{"--decryption-key comes first", cube.Secret("flag secret"), keys(grant, nil), medperf.CodeNotFound, "", "flag secret", 0},
		{"the granted key is used", nil, keys(grant, nil), medperf.CodeNotFound, "", string(grant), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			before := hits.Load()
			s := &Site{Home: t.TempDir(), Registry: w.DataOwner, AllowPrivateURLs: true, DecryptionKey: tt.flagKey, ModelKeys: tt.modelKeys}
			comp, err := s.Container(ctx, enc.ID)
			// With a key the additional files are fetched (and missing
			// here: CodeNotFound from the file server's 404 is the proof
			// that the download started only then).
			var e *medperf.Error
			if tt.code == medperf.CodeNotFound {
				if err == nil || hits.Load() == before {
					t.Fatalf("got %v with %d downloads, want the download to start", err, hits.Load()-before)
				}
			} else {
				if !errors.As(err, &e) || e.Code != tt.code || e.Field != tt.field {
					t.Fatalf("got %#v, want %s %q", err, tt.code, tt.field)
				}
				if comp != nil || hits.Load() != before {
					t.Errorf("something was downloaded before the key was had")
				}
			}
			if len(asked) != tt.asks || (tt.asks == 1 && asked[0] != enc.ID) {
				t.Errorf("ModelKeys asked for %v, want %d asks for container %d", asked, tt.asks, enc.ID)
			}
		})
	}
	t.Run("the key reaches the component, and a clear container asks for none", func(t *testing.T) {
		asked = nil
		s := &Site{Home: t.TempDir(), Registry: w.DataOwner, ModelKeys: keys(grant, nil)}
		comp, err := s.Container(ctx, clear.ID)
		if err != nil {
			t.Fatal(err)
		}
		if comp.DecryptionKey != nil || len(asked) != 0 {
			t.Errorf("a clear container got a key (%d asks)", len(asked))
		}
		s.DecryptionKey = cube.Secret("k")
		if comp, err = s.Container(ctx, clear.ID); err != nil || comp.DecryptionKey != nil {
			t.Errorf("--decryption-key was given to a clear container: %v", err)
		}
	})
}

// TestBenchmarkRunOfAnEncryptedModel: the model's key reaches its infer run
// (and only it), and a site without a grant runs nothing of it.
func TestBenchmarkRunOfAnEncryptedModel(t *testing.T) {
	tw := MustTestWorld(t)
	ctx := context.Background()
	in := encryptedModelInput(t, "")
	in.AdditionalFilesURL, in.AdditionalFilesHash = "", ""
	enc, err := tw.w.ModelOwner.CreateContainer(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	owner := []byte("the owner's secret.bin")
	// The owner's association runs the compatibility test on its own key.
	if _, err := tw.mo.AssociateModel(ctx, enc.ID, tw.benchmark.ID); medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatalf("association without a key: %v, want invalid", err)
	}
	tw.mo.DecryptionKey = owner
	if _, err := tw.mo.AssociateModel(ctx, enc.ID, tw.benchmark.ID); err != nil {
		t.Fatalf("AssociateModel: %v", err)
	}
	if got := tw.rt.keys[medperf.TaskInfer]; !bytes.Equal(got, owner) {
		t.Fatalf("the owner's compatibility test ran infer with key %q", got)
	}
	tw.decide(t, medperf.KindModel, enc.ID, medperf.StatusApproved)
	d := tw.MustOperationalDataset(t)

	tw.do.ModelKeys = func(context.Context, int64, medperf.Container) ([]byte, error) {
		return nil, medperf.Errorf(medperf.CodeForbidden, "no access grant")
	}
	infers := tw.rt.count(medperf.TaskInfer)
	_, err = tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{enc.ID}})
	if medperf.ErrorCode(err) != medperf.CodeForbidden {
		t.Fatalf("run without a grant: %v, want forbidden", err)
	}
	if tw.rt.count(medperf.TaskInfer) != infers {
		t.Error("the model ran without a grant")
	}
	granted := []byte("granted secret")
	tw.do.ModelKeys = func(_ context.Context, _ int64, c medperf.Container) ([]byte, error) {
		if c.ID != enc.ID {
			t.Errorf("ModelKeys asked for container %d", c.ID)
		}
		return granted, nil
	}
	if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{enc.ID}}); err != nil {
		t.Fatalf("run with a grant: %v", err)
	}
	if got := tw.rt.keys[medperf.TaskInfer]; !bytes.Equal(got, granted) {
		t.Errorf("infer ran with key %q, want the granted one", got)
	}
	if got := tw.rt.keys[medperf.TaskEvaluate]; got != nil {
		t.Error("the evaluator, not encrypted, was given a key")
	}
	assertNoKeyOnDisk(t, tw.do.Home, granted)
}

// assertNoKeyOnDisk fails when a file under dir holds key.
func assertNoKeyOnDisk(t *testing.T, dir string, key []byte) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, key) {
				t.Errorf("%s holds the key", p)
			}
		}
		return nil
	})
}

// gpgArchive encrypts clear with passphrase as `gpg --symmetric` does.
func gpgArchive(tb testing.TB, clear, passphrase []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := openpgp.SymmetricallyEncrypt(&buf, passphrase, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write(clear)
	w.Close()
	return buf.Bytes()
}

func TestSubmitContainerChecksTheDecryptionKey(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	ctx := context.Background()
	secret := []byte("k3y\nignored after the newline, as gpg does")
	archive := gpgArchive(t, bytes.Repeat([]byte("image layer "), 1000), []byte("k3y"))
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "model.tar.gpg"), archive, 0o600)
	hosted := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(archive) }))
	t.Cleanup(hosted.Close)
	config := func(typ cube.ContainerType, image string) string {
		p := filepath.Join(t.TempDir(), "container_config.yaml")
		src := strings.Replace(string(cubes.ContainerConfig(cubes.ModelCC, image)), "container_type: DockerImage", "container_type: "+string(typ), 1)
		os.WriteFile(p, []byte(src), 0o644)
		return p
	}
	// The registry takes only hosted images: the check downloads it.
	remote := config(cube.EncryptedDockerArchive, hosted.URL+"/model.tar.gpg")
	sum := medperftest.Must[string](t)(cube.FileSHA256(filepath.Join(dir, "model.tar.gpg")))
	tests := []struct {
		name   string
		config string
		hash   string
		key    []byte
		code   medperf.Code
		field  string
	}{
		{"a key that decrypts the archive", remote, sum, secret, "", ""},
		{"a wrong key registers nothing", remote, sum, []byte("wrong"), medperf.CodeInvalid, "--decryption-key"},
		{"a key for a clear container is refused", config(cube.DockerArchive, hosted.URL+"/model.tar.gpg"), sum, secret, medperf.CodeInvalid, "--decryption-key"},
		{"the archive is checked against its hash first", remote, strings.Repeat("ab", 32), secret, medperf.CodeInvalid, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Site{Home: t.TempDir(), Registry: w.ModelOwner, AllowPrivateURLs: true}
			name := "enc-" + string(rune('a'+i))
			got, err := s.SubmitContainer(ctx, ContainerSubmission{Name: name, ConfigFile: tt.config, ImageHash: tt.hash, Model: true, DecryptionKey: tt.key})
			var e *medperf.Error
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.ImageHash != "sha256:"+sum {
					t.Errorf("registered hash %s, want the encrypted archive's", got.ImageHash)
				}
				assertNoKeyOnDisk(t, s.Home, []byte("k3y"))
				return
			}
			if !errors.As(err, &e) || e.Code != tt.code || (tt.field != "" && e.Field != tt.field) {
				t.Fatalf("got %#v, want %s %q", err, tt.code, tt.field)
			}
			list, lerr := w.ModelOwner.ListContainers(ctx, medperf.ContainerFilter{Name: name})
			if lerr != nil {
				t.Fatal(lerr)
			}
			for _, c := range list.Items {
				if c.Name == name {
					t.Error("the container was registered")
				}
			}
		})
	}
}

func TestStoreContainerKey(t *testing.T) {
	home := t.TempDir()
	const server = "https://registry.example:8443/"
	if got, want := ContainerKeyPath(home, server, 42), filepath.Join(home, "keys", "containers", "registry.example_8443", "42.key"); got != want {
		t.Fatalf("ContainerKeyPath = %s, want %s", got, want)
	}
	if a, b := ContainerKeyPath(home, "http://127.0.0.1:8000", 42), ContainerKeyPath(home, "http://127.0.0.1:8001", 42); a == b {
		t.Fatalf("two servers' container 42 share the key path %s", a)
	}
	for _, key := range [][]byte{[]byte("first"), []byte("second\x00\n")} {
		if err := StoreContainerKey(home, server, 42, key); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(ContainerKeyPath(home, server, 42))
		if err != nil || !bytes.Equal(b, key) {
			t.Fatalf("stored %q, %v; want %q", b, err, key)
		}
	}
	dir := filepath.Dir(ContainerKeyPath(home, server, 42))
	for p, want := range map[string]os.FileMode{
		ContainerKeyPath(home, server, 42): 0o600, dir: 0o700, filepath.Join(home, "keys", "containers"): 0o700, filepath.Join(home, "keys"): 0o700,
	} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	if err := StoreContainerKey(filepath.Join(ContainerKeyPath(home, server, 42), "x"), server, 1, []byte("k")); medperf.ErrorCode(err) == "" {
		t.Error("a home under a file was accepted")
	}
}
