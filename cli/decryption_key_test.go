package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
)

const testSecret = "s3cret-bytes-of-secret.bin"

func TestReadDecryptionKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	private := write("secret.bin", []byte(testSecret), 0o600)
	shared := write("shared.bin", []byte(testSecret), 0o644)
	tests := []struct {
		name string
		path string
		warn bool
		ok   bool
	}{
		{"a private key file is read", private, false, true},
		{"a key file others can read is a warning, not an error", shared, true, true},
		{"a missing file is refused", filepath.Join(dir, "absent"), false, false},
		{"a folder is refused", dir, false, false},
		{"an empty file is refused", write("empty", nil, 0o600), false, false},
		{"a file gpg reads as an empty passphrase is refused", write("newline", []byte("\n"+testSecret), 0o600), false, false},
		{"a file far too large to be a key is refused", write("big", bytes.Repeat([]byte("k"), maxKeyFile+1), 0o600), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn bytes.Buffer
			key, err := readDecryptionKey(tt.path, &warn)
			if tt.ok != (err == nil) {
				t.Fatalf("got %v, ok want %v", err, tt.ok)
			}
			if err != nil {
				var e *medperf.Error
				if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "--decryption-key" {
					t.Fatalf("got %#v, want invalid --decryption-key", err)
				}
				if strings.Contains(err.Error(), testSecret) {
					t.Error("the error shows the key")
				}
				return
			}
			if string(key) != testSecret {
				t.Errorf("read %q", key)
			}
			if got := warn.Len() > 0; got != tt.warn {
				t.Errorf("warning %q, want one: %v", warn.String(), tt.warn)
			}
			if strings.Contains(warn.String(), testSecret) {
				t.Error("the warning shows the key")
			}
		})
	}
	if key, err := readDecryptionKey("", nil); key != nil || err != nil {
		t.Errorf("no flag: %v, %v", key, err)
	}
}

// TestDecryptionKeyFlagIsOnTheCommandsThatRunModels: MedPerf's flag is on
// every command that runs (or registers) a model, and on no command that
// neither runs containers nor handles a model's secret.
func TestDecryptionKeyFlagIsOnTheCommandsThatRunModels(t *testing.T) {
	want := map[string]bool{
		"medperf benchmark run": true, "medperf run": true, "medperf test run": true, "medperf model associate": true,
		"medperf container run-test": true, "medperf container submit": true, "medperf model submit": true,
	}
	walkCommands(newRootCmd(&env{}), func(c *cobra.Command) {
		has := c.Flags().Lookup("decryption-key") != nil
		path := c.CommandPath()
		switch {
		case want[path] && !has:
			t.Errorf("%s has no --decryption-key", path)
		case !want[path] && has && !strings.Contains(path, "access"):
			t.Errorf("%s has --decryption-key, but runs no model", path)
		}
		delete(want, path)
	})
	for path := range want {
		t.Errorf("%s: no such command", path)
	}
}

func TestRunTestDecryptionKey(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "secret.bin")
	os.WriteFile(key, []byte(testSecret), 0o600)
	config := func(typ cube.ContainerType) string {
		p := filepath.Join(t.TempDir(), "container_config.yaml")
		os.WriteFile(p, []byte("container_type: "+string(typ)+"\nimage: model.tar.gpg\ntasks:\n  infer: {}\n"), 0o644)
		return p
	}
	base := []string{"container", "run-test", "-t", "infer", "--runtime", "local", "--cache-dir", t.TempDir()}
	tests := []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"an encrypted container without a key is refused with what to do", []string{"-m", config(cube.EncryptedDockerArchive)}, medperf.CodeInvalid},
		{"a key for a clear container is refused", []string{"-m", config(cube.DockerArchive), "--decryption-key", key}, medperf.CodeInvalid},
		{"a missing key file is refused", []string{"-m", config(cube.EncryptedDockerArchive), "--decryption-key", filepath.Join(dir, "absent")}, medperf.CodeInvalid},
		{"a folder as the key is refused", []string{"-m", config(cube.EncryptedDockerArchive), "--decryption-key", dir}, medperf.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(base, tt.args...)...)
			if code != exitCodes[tt.code] {
				t.Fatalf("exit %d, want %d: %s%s", code, exitCodes[tt.code], out, errOut)
			}
			if !strings.Contains(errOut, "decryption") {
				t.Errorf("the error does not name the key: %s", errOut)
			}
			if strings.Contains(out+errOut, testSecret) {
				t.Error("the key was printed")
			}
		})
	}
}

// TestSiteCommandsReadTheKeyFirst: a bad --decryption-key stops each
// command that runs models, with an error naming the flag, before it runs
// or fetches anything.
func TestSiteCommandsReadTheKeyFirst(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	as(t, ts.URL(), w.DataOwner)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"benchmark", "run", "-b", "1", "-d", "1"},
		{"run", "-b", "1", "-d", "1", "-m", "1"},
		{"test", "run", "-b", "1"},
		{"model", "associate", "-m", "1", "-b", "1"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, append(args, "--decryption-key", dir)...)
			if code != exitCodes[medperf.CodeInvalid] || !strings.Contains(errOut, "--decryption-key") {
				t.Fatalf("exit %d, want invalid naming --decryption-key: %s%s", code, out, errOut)
			}
		})
	}
}

// TestModelSubmitChecksAndKeepsTheKey: the owner's key must decrypt the
// hosted archive; a copy is kept (0600) where the grant commands look.
func TestModelSubmitChecksAndKeepsTheKey(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	home := t.TempDir()
	t.Setenv(config.HomeEnv, home)
	t.Setenv(config.PrivateURLsEnv, "true") // the archive is hosted on 127.0.0.1
	as(t, ts.URL(), w.ModelOwner)
	var enc bytes.Buffer
	pw, err := openpgp.SymmetricallyEncrypt(&enc, []byte(testSecret), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write([]byte("a docker save archive"))
	pw.Close()
	hosted := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.Write(enc.Bytes()) }))
	t.Cleanup(hosted.Close)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "container_config.yaml")
	src := strings.Replace(string(cubes.ContainerConfig(cubes.ModelCC, hosted.URL+"/model.tar.gpg")), "container_type: DockerImage", "container_type: EncryptedDockerArchive", 1)
	os.WriteFile(cfg, []byte(src), 0o644)
	good := filepath.Join(dir, "secret.bin")
	os.WriteFile(good, []byte(testSecret+"\n"), 0o600)
	wrong := filepath.Join(dir, "wrong.bin")
	os.WriteFile(wrong, []byte("not the key"), 0o600)
	sum := sha256.Sum256(enc.Bytes())
	hash := hex.EncodeToString(sum[:])

	code, out, errOut := runCLI(t, "model", "submit", "-n", "private-wrong", "-m", cfg, "--image-hash", hash, "--decryption-key", wrong, "-o", "json")
	if code != exitCodes[medperf.CodeInvalid] {
		t.Fatalf("wrong key: exit %d: %s%s", code, out, errOut)
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "keys", "containers")); len(entries) != 0 {
		t.Errorf("a key was kept for a refused submission: %v", entries)
	}

	code, out, errOut = runCLI(t, "model", "submit", "-n", "private", "-m", cfg, "--image-hash", hash, "--decryption-key", good, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	var got medperf.Container
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	kept := site.ContainerKeyPath(home, ts.URL(), got.ID)
	b, err := os.ReadFile(kept)
	if err != nil || string(b) != testSecret+"\n" {
		t.Fatalf("kept %q, %v", b, err)
	}
	if fi, _ := os.Stat(kept); fi.Mode().Perm() != 0o600 {
		t.Errorf("kept key mode %v", fi.Mode().Perm())
	}
	if !strings.Contains(errOut, kept) || strings.Contains(out+errOut, testSecret) {
		t.Errorf("stderr %q must name the kept copy and never show the key", errOut)
	}
	reg, err := w.Admin.GetContainer(context.Background(), got.ID)
	if err != nil || strings.Contains(string(reg.Config)+reg.ImageHash, testSecret) {
		t.Errorf("the key reached the registry: %v", err)
	}
}
