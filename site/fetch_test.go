package site

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/medperftest"
)

// hostileRegistry answers GetContainer with a container a model owner
// registered (as an older or compromised server would accept it).
type hostileRegistry struct {
	medperf.Service
	c medperf.Container
}

func (h hostileRegistry) GetContainer(context.Context, int64) (*medperf.Container, error) {
	c := h.c
	return &c, nil
}

func hostileContainer(tb testing.TB, config string, additional string) medperf.Container {
	tb.Helper()
	var cfg map[string]any
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		tb.Fatal(err)
	}
	return medperf.Container{Common: medperf.Common{ID: 7}, Name: "model", Config: json.RawMessage(config),
		ImageHash: "sha256:" + medperftest.Hash("x"), AdditionalFilesURL: additional, AdditionalFilesHash: medperftest.Hash("y")}
}

const inferTask = `"tasks": {"infer": {"input_volumes": {"data_path": {"mount_path": "/d", "type": "directory"}}, "output_volumes": {"output_path": {"mount_path": "/o", "type": "directory"}}}}`

// TestFinding2SiteRefusesLocalLocations: a model registered as DockerArchive
// with image /dev/zero made the hospital's CLI copy the device into its
// cache. The site refuses any registered location that is not a URL.
func TestFinding2SiteRefusesLocalLocations(t *testing.T) {
	for _, c := range []struct {
		name, config, additional string
	}{
		{"an archive image at /dev/zero", `{"container_type": "DockerArchive", "image": "/dev/zero", ` + inferTask + `}`, ""},
		{"a SIF image at /etc/shadow", `{"container_type": "SingularityFile", "image": "/etc/shadow", ` + inferTask + `}`, ""},
		{"an archive beside the config", `{"container_type": "DockerArchive", "image": "image.tar", ` + inferTask + `}`, ""},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			s := &Site{Home: t.TempDir(), Registry: hostileRegistry{c: hostileContainer(t, c.config, c.additional)}}
			_, err := s.Container(context.Background(), 7)
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Fatalf("got %v, want CodeInvalid", err)
			}
			if left := regularFilesUnder(t, s.path(filesDir)); len(left) != 0 {
				t.Errorf("fetched %v", left)
			}
		})
	}
	t.Run("additional files at a local path are refused", func(t *testing.T) {
		tarball, sum := mustTarball(t)
		local := filepath.Join(t.TempDir(), "files.tar.gz")
		os.WriteFile(local, tarball, 0o600)
		c := hostileContainer(t, `{"container_type": "DockerImage", "image": "example.org/m:1", `+inferTask+`}`, local)
		c.AdditionalFilesHash = sum
		s := &Site{Home: t.TempDir(), Registry: hostileRegistry{c: c}}
		if _, err := s.Container(context.Background(), 7); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("got %v, want CodeInvalid", err)
		}
	})
	t.Run("the runtime of a registered container cannot read a local image", func(t *testing.T) {
		secret := filepath.Join(t.TempDir(), "shadow")
		MustWrite(t, secret, "root:x:")
		cfg, err := cube.ParseConfig("", []byte(`{"container_type": "DockerArchive", "image": "`+secret+`", `+inferTask+`}`))
		if err != nil {
			t.Fatal(err)
		}
		rt := &fetchingRuntime{cache: t.TempDir()}
		s := &Site{Home: t.TempDir(), Runtime: rt}
		data := t.TempDir()
		err = s.run(context.Background(), &Component{ID: 7, Name: "m", Config: cfg}, "infer", map[string]string{"data_path": data, "output_path": filepath.Join(t.TempDir(), "o")})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatalf("registered: got %v, want CodeInvalid", err)
		}
		// A local config (medperf test run -m ...) keeps its local archive.
		err = s.run(context.Background(), &Component{Name: "m", Config: cfg}, "infer", map[string]string{"data_path": data, "output_path": filepath.Join(t.TempDir(), "o")})
		if err != nil {
			t.Fatalf("local: %v", err)
		}
	})
}

// fetchingRuntime fetches the image archive as cube/docker does, under the
// context Run is given, and runs nothing.
type fetchingRuntime struct{ cache string }

func (f fetchingRuntime) Run(ctx context.Context, spec *cube.Spec) error {
	_, _, err := cube.FetchFile(ctx, nil, spec.Image, "", f.cache, "image archive")
	return err
}

// TestFinding11SiteRefusesPrivateAdditionalFiles: a model's additional
// files URL at 127.0.0.1 (or 169.254.169.254) was fetched by the hospital.
// A site refuses it unless it allows private addresses explicitly.
func TestFinding11SiteRefusesPrivateAdditionalFiles(t *testing.T) {
	tarball, sum := mustTarball(t)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		w.Write(tarball)
	}))
	defer srv.Close()
	c := hostileContainer(t, `{"container_type": "DockerImage", "image": "example.org/m:1", `+inferTask+`}`, srv.URL+"/internal")
	c.AdditionalFilesHash = sum
	s := &Site{Home: t.TempDir(), Registry: hostileRegistry{c: c}}
	if _, err := s.Container(context.Background(), 7); medperf.ErrorCode(err) != medperf.CodeForbidden || hits != 0 {
		t.Fatalf("got %v after %d requests, want CodeForbidden before any request", err, hits)
	}
	s.AllowPrivateURLs = true
	if comp, err := s.Container(context.Background(), 7); err != nil || comp.AdditionalFiles == "" || hits != 1 {
		t.Fatalf("allowed: got %v after %d requests", err, hits)
	}
}

func mustTarball(tb testing.TB) ([]byte, string) {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "weights.bin", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("w"))
	tw.Close()
	zw.Close()
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func regularFilesUnder(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}
