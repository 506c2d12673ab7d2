package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

// TestContainerSign checks `container sign`, `container view`'s signed row
// and `policy check`'s unsigned_containers verdicts: without a key the
// command says to create one, only the owner signs, and a signed model is
// allowed where an unsigned one is refused with the rule's line.
func TestContainerSign(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	model := strconv.FormatInt(w.Model.ID, 10)
	t.Setenv(config.HomeEnv, t.TempDir())
	as(t, ts.URL(), w.ModelOwner)
	t.Run("an unsigned container says so", func(t *testing.T) {
		code, out, errOut := runCLI(t, "container", "view", model)
		if code != 0 || !strings.Contains(out, "signed") || strings.Contains(out, "yes, by") {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
	})
	t.Run("signing without a key says to create one", func(t *testing.T) {
		if code, _, errOut := runCLI(t, "container", "sign", model); code != exitCodes[medperf.CodeNotFound] || !strings.Contains(errOut, "keys create") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("a bad id is invalid", func(t *testing.T) {
		if code, _, _ := runCLI(t, "container", "sign", "x"); code != exitCodes[medperf.CodeInvalid] {
			t.Fatalf("exit %d", code)
		}
	})
	if code, _, errOut := runCLI(t, "keys", "create"); code != 0 {
		t.Fatalf("keys create: %s", errOut)
	}
	keys := medperftest.Must[[]medperf.Key](t)(w.ModelOwner.ListKeys(context.Background(), 0))
	t.Run("the owner signs and view shows the key", func(t *testing.T) {
		if code, out, errOut := runCLI(t, "container", "sign", model); code != 0 || !strings.Contains(out, "yes, by "+keys[0].Fingerprint) {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
		code, out, _ := runCLI(t, "container", "view", model)
		if code != 0 || !strings.Contains(out, "yes, by "+keys[0].Fingerprint) {
			t.Fatalf("view after signing: %s", out)
		}
		code, out, _ = runCLI(t, "container", "view", model, "-o", "json")
		var c medperf.Container
		if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c.SignedBy != keys[0].Fingerprint || len(c.Envelope) == 0 {
			t.Fatalf("view -o json: signed_by %q, envelope %d bytes", c.SignedBy, len(c.Envelope))
		}
	})
	t.Run("another account cannot sign it", func(t *testing.T) {
		t.Setenv(config.HomeEnv, t.TempDir())
		as(t, ts.URL(), w.DataOwner)
		runCLI(t, "keys", "create")
		if code, _, errOut := runCLI(t, "container", "sign", model); code != exitCodes[medperf.CodeForbidden] {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("policy check allows the signed model and refuses an unsigned one", func(t *testing.T) {
		home := t.TempDir()
		t.Setenv(config.HomeEnv, home)
		as(t, ts.URL(), w.DataOwner)
		os.WriteFile(filepath.Join(home, PolicyFile), []byte("# signed only\nunsigned_containers: false\n"), 0o600)
		if code, out, errOut := runCLI(t, "policy", "check", "-m", model); code != 0 || !strings.Contains(out, keys[0].Fingerprint) {
			t.Fatalf("the signed model: exit %d: %s%s", code, out, errOut)
		}
		unsigned := strconv.FormatInt(w.ReferenceModel.ID, 10)
		if code, out, errOut := runCLI(t, "policy", "check", "-m", unsigned); code != exitCodes[medperf.CodeForbidden] ||
			!strings.Contains(out, "policy.yaml:2") || !strings.Contains(out, "not signed") {
			t.Fatalf("an unsigned model: exit %d: %s%s", code, out, errOut)
		}
	})
}

// TestModelSubmitSignsWithTheSiteKey registers a model with a key in
// MEDPERF_HOME: it is registered signed by that key.
func TestModelSubmitSignsWithTheSiteKey(t *testing.T) {
	dc := medperftest.DockerClient(t)
	tag := fmt.Sprintf("medperf-test/sign-probe:%d", os.Getpid())
	medperftest.BuildImage(t, dc, tag, map[string][]byte{"Dockerfile": []byte("FROM scratch\nLABEL probe=sign\n")})
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv(config.HomeEnv, t.TempDir())
	t.Setenv("DOCKER_HOST", dc.DaemonHost())
	as(t, ts.URL(), w.ModelOwner)
	if code, _, errOut := runCLI(t, "keys", "create"); code != 0 {
		t.Fatalf("keys create: %s", errOut)
	}
	cfg := filepath.Join(t.TempDir(), "container_config.yaml")
	os.WriteFile(cfg, cubes.ContainerConfig(cubes.ModelCC, tag), 0o644)
	code, out, errOut := runCLI(t, "model", "submit", "-n", "signed-probe", "-m", cfg, "-o", "json")
	var c medperf.Container
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	keys := medperftest.Must[[]medperf.Key](t)(w.ModelOwner.ListKeys(context.Background(), 0))
	if reg := medperftest.Must[*medperf.Container](t)(w.Stranger.GetContainer(context.Background(), c.ID)); reg.SignedBy != keys[0].Fingerprint {
		t.Fatalf("registered signed by %q, want %s", reg.SignedBy, keys[0].Fingerprint)
	}
}
