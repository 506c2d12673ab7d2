package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

// TestMain lets this test binary stand in for the medperf binary that the
// demo's cubes run (`<binary> demo cube CUBE TASK ...`): `medperf demo
// --runtime local` runs the running executable, and a static test binary
// may end up in the demo's images.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "demo" && os.Args[2] == "cube" {
		os.Exit(Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// demoOutput is what scripts read from `medperf demo --output json`.
type demoOutput struct {
	Runtime  string              `json:"runtime"`
	Images   []string            `json:"images"`
	Rankings map[string][]string `json:"rankings"`
	Results  []struct {
		Site      string             `json:"site"`
		DatasetID int64              `json:"dataset_id"`
		Model     string             `json:"model"`
		ModelID   int64              `json:"model_id"`
		Metrics   map[string]float64 `json:"metrics"`
	} `json:"results"`
}

// mustDemoJSON runs `medperf demo ARGS -o json` in-process and decodes
// its output.
func mustDemoJSON(t *testing.T, args ...string) demoOutput {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"demo", "--cases", "2", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var d demoOutput
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return d
}

// checkDemoOutput checks one result per (site, model) with a Dice in
// [0, 1] and the sites' case count.
func checkDemoOutput(t *testing.T, d demoOutput, runtime string) {
	t.Helper()
	if d.Runtime != runtime {
		t.Errorf("runtime %q, want %q", d.Runtime, runtime)
	}
	pairs := map[string]bool{}
	for _, r := range d.Results {
		pairs[r.Site+"/"+r.Model] = true
		if dice := r.Metrics["dice_mean"]; dice < 0 || dice > 1 || r.Metrics["n_cases"] != 2 || r.DatasetID == 0 || r.ModelID == 0 {
			t.Errorf("result %+v", r)
		}
	}
	if len(pairs) != 9 || len(d.Results) != 9 {
		t.Errorf("%d results on %d (site, model) pairs, want 9 on 9", len(d.Results), len(pairs))
	}
	orders := map[string]bool{}
	for _, r := range d.Rankings {
		orders[strings.Join(r, ">")] = true
	}
	if len(d.Rankings) != 3 || len(orders) < 2 {
		t.Errorf("rankings %v: want three sites, not all in the same order", d.Rankings)
	}
}

func TestDemoCommandWithTheLocalRuntimePrintsJSON(t *testing.T) {
	checkDemoOutput(t, mustDemoJSON(t, "--runtime", "local"), "local")
}

func TestDemoCommandWithDockerPrintsJSON(t *testing.T) {
	medperftest.Require(t, medperftest.Docker)
	d := mustDemoJSON(t, "--runtime", "docker", "--image-tag", fmt.Sprintf("cli-test-%d", time.Now().UnixNano()))
	dc := medperftest.DockerClient(t)
	for _, ref := range d.Images {
		dc.ImageRemove(context.Background(), ref, image.RemoveOptions{})
	}
	checkDemoOutput(t, d, "docker")
}

func TestDemoCommandDirKeepsTheAdminToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errOut := runCLI(t, "demo", "--runtime", "local", "--cases", "1", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if fi, err := os.Stat(filepath.Join(dir, "admin.token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("admin.token %v %v", fi, err)
	}
	for _, want := range []string{"Leaderboard", "model-logreg", "site-c", dir} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoCommandRefusals(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "x"), []byte("x"), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		name string
		args []string
		code medperf.Code
	}{
		{"an unknown runtime", []string{"--runtime", "podman"}, medperf.CodeInvalid},
		{"zero cases", []string{"--cases", "0"}, medperf.CodeInvalid},
		{"too many cases", []string{"--cases", "51"}, medperf.CodeInvalid},
		{"an unknown output format", []string{"-o", "xml"}, medperf.CodeInvalid},
		{"an unknown flag", []string{"--no-such-flag"}, medperf.CodeInvalid},
		{"an unknown subcommand", []string{"play"}, medperf.CodeInvalid},
		{"a non-empty dir", []string{"--runtime", "local", "--dir", full}, medperf.CodeInvalid},
		{"a dir that cannot be created", []string{"--runtime", "local", "--dir", filepath.Join(file, "demo")}, medperf.CodeForbidden},
		{"a taken address", []string{"--runtime", "local", "--addr", ln.Addr().String()}, medperf.CodeConflict},
	} {
		t.Run(tc.name+" exits with the status of "+string(tc.code), func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"demo"}, tc.args...)...)
			if code != exitCodes[tc.code] {
				t.Errorf("exit %d, want %d\n%s", code, exitCodes[tc.code], errOut)
			}
		})
	}
}

func TestDemoCommandWithDockerAndNoEngineExitsUnavailable(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no.sock"))
	code, _, errOut := runCLI(t, "demo", "--runtime", "docker")
	if code != exitCodes[medperf.CodeUnavailable] {
		t.Errorf("exit %d, want %d\n%s", code, exitCodes[medperf.CodeUnavailable], errOut)
	}
}

func TestDemoServeKeepsTheServerUntilInterrupted(t *testing.T) {
	bin := MustStaticMedperf(t)
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String()+" stops the server and removes the temporary directory", func(t *testing.T) {
			serveAndStop(t, bin, sig)
		})
	}
}

// serveAndStop runs `medperf demo --serve`, signs in with the printed
// token, sends sig, and checks that the server and its directory are gone.
func serveAndStop(t *testing.T, bin string, sig os.Signal) {
	cmd := exec.Command(bin, "demo", "--runtime", "local", "--cases", "1", "--serve")
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var url, token, dir string
	sc := bufio.NewScanner(stdout)
	for dir == "" && sc.Scan() {
		line := sc.Text()
		if _, after, ok := strings.Cut(line, "keeps running at "); ok {
			url, _, _ = strings.Cut(after, " ")
		}
		if url != "" && token == "" && strings.HasPrefix(line, "  ") {
			token = strings.TrimSpace(line)
		}
		if _, after, ok := strings.Cut(line, "the token in "); ok {
			dir = filepath.Dir(after)
		}
	}
	if url == "" || token == "" || dir == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no URL, token and admin token file printed\n%s", stderr.String())
	}
	cl, err := client.New(url, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	if me, err := cl.Me(context.Background()); err != nil || me.Email != "benchmark-owner@example.org" {
		t.Fatalf("signing in with the printed token: %+v %v", me, err)
	}
	cmd.Process.Signal(sig)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after %s: %v\n%s", sig, err, stderr.String())
	}
	if _, err := cl.Me(context.Background()); medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Errorf("the server still answers after %s: %v", sig, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is left behind: %v", dir, err)
	}
}
