package e2e

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

// TestPrivateModel plays issue 14 point 6 with the built binary, a real
// server, real Docker and the real gpg: a model owner registers a MedPerf
// encrypted container (a `docker save` archive encrypted with `gpg
// --symmetric`), grants access to one approved data owner, and that site
// runs the model; the other approved site, without a grant, is refused
// before anything of the model is downloaded.
func TestPrivateModel(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		if os.Getenv("MEDPERF_TEST_REQUIRE") != "" {
			t.Fatal("gpg is not installed: the encrypted model is made with the real gpg (apt-get install gnupg)")
		}
		t.Skip("gpg is not installed") // .ci/run installs it
	}
	w := MustWorld(t)
	bo, mo := w.newUser("benchowner"), w.newUser("modelowner")
	granted, denied := w.newUser("granted"), w.newUser("denied")
	for _, u := range []*user{granted, denied} {
		w.run(u, "keys", "create")
	}
	prep := w.submitCube(bo, "container", cubes.Preparator)
	ref := w.submitCube(bo, "container", cubes.ReferenceModel)
	eval := w.submitCube(bo, "container", cubes.Evaluator)
	var b entity
	w.json(bo, &b, "benchmark", "submit", "-n", "private", "-d", "a private model", "--demo-url", w.files+"/demo.tar.gz",
		"-p", fmt.Sprint(prep), "-m", fmt.Sprint(ref), "-e", fmt.Sprint(eval), "-y")
	w.run(w.admin, "benchmark", "approve", "-b", fmt.Sprint(b.ID))
	bid := fmt.Sprint(b.ID)

	// The model owner's side, as MedPerf documents it: docker save, then
	// gpg --symmetric with a 32-byte random secret.
	cfg, params, secret, hash := w.encryptedModel(t, cubes.ModelCC)
	var model entity
	w.json(mo, &model, "model", "submit", "-n", "private-model", "-m", cfg, "-p", params, "--image-hash", hash, "--decryption-key", secret)
	m, mid := model.ID, fmt.Sprint(model.ID)
	w.run(mo, "model", "associate", "-m", mid, "-b", bid, "-y", "--decryption-key", secret)
	w.run(bo, "association", "approve", "-b", bid, "-m", mid)

	dg, dd := w.dataset(granted, b.ID, "site-a"), w.dataset(denied, b.ID, "site-c")
	w.run(bo, "association", "approve", "-b", bid, "-d", fmt.Sprint(dg))
	w.run(bo, "association", "approve", "-b", bid, "-d", fmt.Sprint(dd))

	w.run(mo, "model", "grant-access", "-b", bid, "-m", mid, "--emails", granted.email, "-y")
	if out := w.run(mo, "model", "check-access", "-b", bid, "-m", mid); !strings.Contains(out, granted.email) {
		t.Fatalf("check-access does not name the granted site: %s", out)
	}

	t.Run("a site without a grant is refused before anything is downloaded", func(t *testing.T) {
		fetched := w.fetched.String()
		logs, _ := filepath.Glob(filepath.Join(w.storage(denied), "logs", "*"))
		errs := w.fail(denied, exitOf(medperf.CodeForbidden), "benchmark", "run", "-b", bid, "-d", fmt.Sprint(dd), "-m", mid)
		if !strings.Contains(errs, "grant-access") {
			t.Fatalf("the refusal does not say what to do: %s", errs)
		}
		if got := strings.TrimPrefix(w.fetched.String(), fetched); strings.Contains(got, "model.tar.gpg") {
			t.Fatalf("the encrypted archive was downloaded: %s", got)
		}
		if after, _ := filepath.Glob(filepath.Join(w.storage(denied), "logs", "*")); len(after) != len(logs) {
			t.Fatalf("%d task logs appeared: a container started", len(after)-len(logs))
		}
	})

	t.Run("a revoked grant is refused, and a new grant works", func(t *testing.T) {
		w.run(mo, "model", "revoke-access", "-b", bid, "-m", mid, "--emails", granted.email)
		errs := w.fail(granted, exitOf(medperf.CodeForbidden), "benchmark", "run", "-b", bid, "-d", fmt.Sprint(dg), "-m", mid)
		if !strings.Contains(errs, "grant-access") {
			t.Fatalf("the refusal does not say what to do: %s", errs)
		}
		w.run(mo, "model", "grant-access", "-b", bid, "-m", mid, "--emails", granted.email, "-y")
	})

	t.Run("the granted site runs the model and submits a signed result", func(t *testing.T) {
		before := strings.Count(w.fetched.String(), "/model.tar.gpg")
		w.run(granted, "benchmark", "run", "-b", bid, "-d", fmt.Sprint(dg), "-m", mid)
		if strings.Count(w.fetched.String(), "/model.tar.gpg") == before {
			t.Fatal("the granted site ran the model without fetching its encrypted archive")
		}
		w.run(granted, "result", "submit", "-b", bid, "-d", fmt.Sprint(dg), "-y")
		rs, err := w.ts.Admin.ListResults(w.ctx(), medperf.ResultFilter{DatasetID: dg, ModelID: m})
		if err != nil || len(rs.Items) != 1 || !rs.Items[0].Signed {
			t.Fatalf("results: %+v %v", rs, err)
		}
	})

}

// encryptedModel makes a MedPerf encrypted container from a reference
// cube: a new image (so that it exists only in the archive), saved with
// docker save, encrypted with the real gpg, hosted, and removed from the
// engine. It returns the container config, the parameters, the secret and
// the encrypted archive's sha256.
func (w *world) encryptedModel(t *testing.T, name string) (cfg, params, secret, hash string) {
	dc := medperftest.DockerClient(t)
	src, params := w.cube(name)
	body, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("medperf-e2e-private/%s:%d", name, os.Getpid())
	base := imageOf(t, string(body))
	id := medperftest.BuildImage(t, dc, tag, map[string][]byte{
		"Dockerfile": []byte("FROM " + base + "\nLABEL org.medperf.test=\"private " + tag + "\"\n"),
	})
	dir := t.TempDir()
	archive := filepath.Join(dir, "model.tar")
	if out, err := exec.Command("docker", "save", "-o", archive, tag).CombinedOutput(); err != nil {
		t.Fatalf("docker save: %v\n%s", err, out)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret = filepath.Join(dir, "secret.bin")
	if err := os.WriteFile(secret, []byte(hex.EncodeToString(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	gpg := exec.Command("gpg", "--batch", "--yes", "--pinentry-mode", "loopback", "--symmetric",
		"--passphrase-file", secret, "-o", filepath.Join(w.hosted, "model.tar.gpg"), archive)
	gpg.Env = append(os.Environ(), "GNUPGHOME="+t.TempDir())
	if out, err := gpg.CombinedOutput(); err != nil {
		t.Fatalf("gpg: %v\n%s", err, out)
	}
	os.Remove(archive)
	enc, err := os.ReadFile(filepath.Join(w.hosted, "model.tar.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(enc)
	hash = hex.EncodeToString(sum[:])
	if _, err := dc.ImageRemove(context.Background(), id, image.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "container_config.yaml")
	conf := strings.Replace(string(body), "image: "+base, "image: "+w.files+"/model.tar.gpg", 1)
	conf = strings.Replace(conf, "container_type: DockerImage", "container_type: EncryptedDockerArchive", 1)
	mustWrite(t, cfg, []byte(conf))
	return cfg, params, secret, hash
}

// imageOf returns the image: line's value of a container config.
func imageOf(t *testing.T, config string) string {
	for _, line := range strings.Split(config, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "image:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	t.Fatalf("no image in %s", config)
	return ""
}
