package site

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/medperftest"
)

// countingFiles serves one tar.gz (with one file) on 127.0.0.1 and
// counts the requests: a refused URL must never be fetched. It returns
// the tarball's sha256.
func countingFiles(t *testing.T) (*httptest.Server, *atomic.Int64, string) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "weights.txt", Mode: 0o644, Size: 1, Typeflag: tar.TypeReg})
	tw.Write([]byte("w"))
	tw.Close()
	gz.Close()
	sum := sha256.Sum256(buf.Bytes())
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Write(buf.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv, &n, hex.EncodeToString(sum[:])
}

// TestPrivateURLsFalseStopsARunBeforeAnythingStartsOrIsFetched registers a
// model whose additional files are on 127.0.0.1 and runs it on a site that
// allows private URLs (as --allow-private-urls does) under a policy that
// forbids them: the policy wins, with the rule's name and line, before any
// container starts and before the file is requested.
func TestPrivateURLsFalseStopsARunBeforeAnythingStartsOrIsFetched(t *testing.T) {
	ctx := context.Background()
	tw := MustTestWorld(t)
	d := tw.MustOperationalDataset(t)
	files, hits, sum := countingFiles(t)
	in := cubeContainer(t, cubes.ModelCC)
	in.AdditionalFilesURL, in.AdditionalFilesHash = files.URL+"/weights.tar.gz", sum
	model := medperftest.Must[*medperf.Container](t)(tw.w.ModelOwner.CreateContainer(ctx, in)).ID
	if _, err := tw.mo.AssociateModel(ctx, model, tw.benchmark.ID); err != nil {
		t.Fatal(err)
	}
	tw.decide(t, medperf.KindModel, model, medperf.StatusApproved)
	hits.Store(0) // the model owner's own compatibility test fetched them
	started := func() int { return tw.rt.count("prepare") + tw.rt.count("infer") + tw.rt.count("evaluate") }
	before := started()
	if !tw.do.AllowPrivateURLs {
		t.Fatal("the test site must allow private URLs, as the flag would")
	}
	tw.do.Policy = mustPolicy(t, "# the hospital network is off limits\nprivate_urls: false\n")

	t.Run("the run is refused", func(t *testing.T) {
		_, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{model}})
		if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "policy.yaml:2: private_urls") ||
			!strings.Contains(err.Error(), files.URL) {
			t.Fatalf("run: %v; want forbidden by policy.yaml:2: private_urls naming the URL", err)
		}
	})
	t.Run("fetching the container alone is refused", func(t *testing.T) {
		if _, err := tw.do.Container(ctx, model); medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "private_urls") {
			t.Fatalf("Container: %v", err)
		}
	})
	t.Run("a private demo tarball is refused", func(t *testing.T) {
		if _, _, err := tw.do.DemoData(ctx, files.URL+"/demo.tar.gz", ""); medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "private_urls") {
			t.Fatalf("DemoData: %v", err)
		}
	})
	t.Run("a compatibility test on a private demo tarball is refused before its components are fetched", func(t *testing.T) {
		_, err := tw.do.Test(ctx, TestSpec{BenchmarkID: tw.benchmark.ID, Model: &Component{Name: "local"}, DemoURL: files.URL + "/demo.tar.gz"})
		if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "private_urls") {
			t.Fatalf("Test: %v", err)
		}
	})
	t.Run("a benchmark's private demo tarball is refused before its components are fetched", func(t *testing.T) {
		_, err := tw.do.Test(ctx, TestSpec{BenchmarkID: tw.benchmark.ID, Model: &Component{ID: model}})
		if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "private_urls") {
			t.Fatalf("Test: %v", err)
		}
	})
	if after := started(); after != before {
		t.Errorf("%d containers started under private_urls: false", after-before)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the private URL was requested %d times", n)
	}
	t.Run("a policy that allows private URLs lets the download go ahead", func(t *testing.T) {
		tw.do.Policy = mustPolicy(t, "private_urls: true\n")
		if _, err := tw.do.Container(ctx, model); err != nil || hits.Load() != 1 {
			t.Fatalf("Container: %v, %d requests; want the files downloaded once", err, hits.Load())
		}
	})
}

func TestAllowPrivateURLsGivesWayToThePolicy(t *testing.T) {
	for _, tt := range []struct {
		name  string
		allow bool
		rule  string
		want  bool
	}{
		{"no flag, no policy", false, "", false},
		{"the flag, no policy", true, "", true},
		{"the flag, the policy allows", true, "private_urls: true\n", true},
		{"the flag, the policy forbids", true, "private_urls: false\n", false},
		{"no flag, the policy allows", false, "private_urls: true\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Site{AllowPrivateURLs: tt.allow}
			if tt.rule != "" {
				s.Policy = mustPolicy(t, tt.rule)
			}
			if got := s.allowPrivateURLs(); got != tt.want {
				t.Errorf("allowPrivateURLs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPrivateURLsNamesOnlyNonPublicHTTPURLs(t *testing.T) {
	got := PrivateURLs(context.Background(), "", "docker.io/acme/model:1", "/local/file.tar.gz",
		"https://8.8.8.8/a.tar.gz", "http://10.0.0.7/b.tar.gz", "http://169.254.169.254/c")
	if len(got) != 2 || !strings.HasPrefix(got[0], "http://10.0.0.7/b.tar.gz (") || !strings.Contains(got[1], "link-local") {
		t.Errorf("PrivateURLs = %q; want the 10.0.0.7 and link-local URLs with their addresses", got)
	}
}
