package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestRunTestRunsAnEncryptedArchive: `container run-test --decryption-key`
// runs a MedPerf encrypted container on the real engine; without the key
// the run is refused and the image never loaded.
func TestRunTestRunsAnEncryptedArchive(t *testing.T) {
	dc := medperftest.DockerClient(t)
	t.Setenv("DOCKER_HOST", dc.DaemonHost())
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "probe")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../cube/testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	probe, _ := os.ReadFile(bin)
	tag := "medperf-cli-encrypted:test-" + filepath.Base(dir)
	id := medperftest.BuildImage(t, dc, tag, map[string][]byte{
		"Dockerfile": []byte("FROM scratch\nLABEL org.medperf.test=\"cli encrypted " + filepath.Base(dir) + "\"\nCOPY app /app\nENTRYPOINT [\"/app\"]\n"),
		"app":        probe,
	})
	rc, err := dc.ImageSave(ctx, []string{tag})
	if err != nil {
		t.Fatal(err)
	}
	var enc bytes.Buffer
	w, err := openpgp.SymmetricallyEncrypt(&enc, []byte(testSecret), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(w, rc)
	rc.Close()
	w.Close()
	if _, err := dc.ImageRemove(ctx, id, image.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dc.ImageRemove(ctx, id, image.RemoveOptions{Force: true}) })
	os.WriteFile(filepath.Join(dir, "model.tar.gpg"), enc.Bytes(), 0o600)
	os.WriteFile(filepath.Join(dir, "secret.bin"), []byte(testSecret), 0o600)
	cfg := filepath.Join(dir, "container_config.yaml")
	os.WriteFile(cfg, []byte("container_type: EncryptedDockerArchive\nimage: model.tar.gpg\ntasks:\n  infer:\n    run_args: {command: [\"id\"]}\n"), 0o644)
	base := []string{"container", "run-test", "-m", cfg, "-t", "infer", "--runtime", "docker", "--cache-dir", filepath.Join(dir, "cache")}

	code, out, errOut := runCLI(t, base...)
	if code != exitCodes[medperf.CodeInvalid] || !strings.Contains(errOut, "--decryption-key") {
		t.Fatalf("without a key: exit %d: %s%s", code, out, errOut)
	}
	if _, err := dc.ImageInspect(ctx, id); err == nil {
		t.Fatal("the image was loaded without a key")
	}
	code, out, errOut = runCLI(t, append(base, "--decryption-key", filepath.Join(dir, "secret.bin"))...)
	if code != 0 || !strings.Contains(out, "[infer] id=") {
		t.Fatalf("with the key: exit %d: %s%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, testSecret) {
		t.Error("the key was printed")
	}
}
