package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

// cachedGet is one GET with optional If-None-Match values.
type cachedGet struct {
	status int
	etag   string
	body   []byte
	code   string // the error code of a 4xx
}

func getIfNoneMatch(t *testing.T, url, token string, ifNoneMatch ...string) cachedGet {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for _, v := range ifNoneMatch {
		req.Header.Add("If-None-Match", v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := cachedGet{status: resp.StatusCode, etag: resp.Header.Get("ETag")}
	out.body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var eb struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(out.body, &eb)
		out.code = eb.Error.Code
	}
	if resp.StatusCode == 200 && resp.Header.Get("Content-Length") != strconv.Itoa(len(out.body)) {
		t.Errorf("Content-Length %q for a body of %d bytes", resp.Header.Get("Content-Length"), len(out.body))
	}
	return out
}

// pageStats reads the results-page cache's counters from /metrics.
func pageStats(t *testing.T, ts *medperftest.TestServer) api.PageCacheStats {
	t.Helper()
	resp, err := http.Get(ts.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st api.PageCacheStats
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), " ")
		v, _ := strconv.ParseFloat(value, 64)
		switch name {
		case "medperf_results_page_cache_hits_total":
			st.Hits = int64(v)
		case "medperf_results_page_cache_misses_total":
			st.Misses = int64(v)
		case "medperf_results_page_cache_bytes":
			st.Bytes = int64(v)
		}
	}
	return st
}

func resultCount(t *testing.T, body []byte) int {
	t.Helper()
	var l medperf.List[json.RawMessage]
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("not a list: %v: %s", err, body)
	}
	return len(l.Items)
}

// TestCachedResultPages runs on both databases: a benchmark owner's results
// page is encoded once and served with an ETag (304 on If-None-Match); the
// bytes never reach a caller who may not see them all, and a new result, an
// association's approval or withdrawal, and a revoked token are each
// honoured at once.
func TestCachedResultPages(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var opts []medperftest.ServerOption
			if db == "postgres" {
				opts = append(opts, medperftest.WithPostgres(t))
			}
			ts := medperftest.NewServer(t, opts...)
			testCachedResultPages(t, ts)
		})
	}
}

func testCachedResultPages(t *testing.T, ts *medperftest.TestServer) {
	ctx := context.Background()
	w := ts.World(t)
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	w.MustAssociate(t, medperf.KindModel, w.ModelOwner, w.Model.ID)
	for _, m := range []int64{w.ReferenceModel.ID, w.Model.ID} {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m,
			DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.5)}); err != nil {
			t.Fatal(err)
		}
	}
	url := fmt.Sprintf("%s%s/results?benchmark=%d", ts.URL(), api.Prefix, w.Benchmark.ID)
	start := pageStats(t, ts)
	first := getIfNoneMatch(t, url, w.BenchmarkOwner.Token)
	if first.status != 200 || first.etag == "" || resultCount(t, first.body) != 2 {
		t.Fatalf("owner's first page: %d, ETag %q, %s", first.status, first.etag, first.body)
	}
	t.Run("the same page is served from the cache, to the owner and an admin", func(t *testing.T) {
		again := getIfNoneMatch(t, url, w.BenchmarkOwner.Token)
		admin := getIfNoneMatch(t, url, w.Admin.Token)
		for _, g := range []cachedGet{again, admin} {
			if g.status != 200 || g.etag != first.etag || !bytes.Equal(g.body, first.body) {
				t.Errorf("got %d, ETag %q, want 200 with the first page's bytes and ETag %q", g.status, g.etag, first.etag)
			}
		}
		st := pageStats(t, ts)
		if st.Hits-start.Hits != 2 || st.Misses-start.Misses != 1 || st.Bytes < int64(len(first.body)) {
			t.Errorf("cache counters went from %+v to %+v, want 2 hits, 1 miss and the page's bytes", start, st)
		}
	})
	t.Run("If-None-Match", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			values []string
			want   int
		}{
			{"the page's tag", []string{first.etag}, 304},
			{"the weak form of the tag", []string{"W/" + first.etag}, 304},
			{"the tag in a list", []string{`"other", ` + first.etag}, 304},
			{"the tag in a second header", []string{`"other"`, first.etag}, 304},
			{"any tag", []string{"*"}, 304},
			{"another tag", []string{`"other"`}, 200},
			{"a malformed header", []string{`,,, W/ "` + strings.Trim(first.etag, `"`)}, 200},
			{"the tag without its quotes", []string{strings.Trim(first.etag, `"`)}, 200},
			{"an empty header", []string{""}, 200},
		} {
			g := getIfNoneMatch(t, url, w.BenchmarkOwner.Token, c.values...)
			if g.status != c.want || g.etag != first.etag {
				t.Errorf("%s: %d with ETag %q, want %d with %q", c.name, g.status, g.etag, c.want, first.etag)
			}
			if c.want == 304 && len(g.body) != 0 {
				t.Errorf("%s: a 304 with a body: %s", c.name, g.body)
			}
		}
	})
	t.Run("callers who see part of the benchmark never get the cached bytes", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			token string
			want  int
		}{{"model owner", w.ModelOwner.Token, 1}, {"data owner", w.DataOwner.Token, 2}, {"stranger", w.Stranger.Token, 0}} {
			for _, u := range []string{url, fmt.Sprintf("%s%s/benchmarks/%d/results", ts.URL(), api.Prefix, w.Benchmark.ID)} {
				g := getIfNoneMatch(t, u, c.token, first.etag, "*")
				if g.status != 200 || g.etag != "" {
					t.Errorf("%s, %s: %d with ETag %q, want 200 without an ETag", c.name, u, g.status, g.etag)
					continue
				}
				if n := resultCount(t, g.body); n != c.want {
					t.Errorf("%s, %s: %d results, want %d", c.name, u, n, c.want)
				}
			}
		}
		anonymous := getIfNoneMatch(t, url, "", first.etag)
		if anonymous.status != 401 || anonymous.code != string(medperf.CodeUnauthorized) {
			t.Errorf("no token, with the owner's ETag: %d %q, want 401 unauthorized", anonymous.status, anonymous.code)
		}
	})
	t.Run("bad windows are refused, cached or not", func(t *testing.T) {
		for _, q := range []string{"&limit=abc", "&limit=-1", "&limit=1001", "&offset=-5", "&cursor=nope", "&cursor=&offset=3", "&total=maybe", "&color=red"} {
			g := getIfNoneMatch(t, url+q, w.BenchmarkOwner.Token, first.etag)
			if g.status != 400 || g.code != string(medperf.CodeInvalid) {
				t.Errorf("%s: %d %q, want 400 invalid", q, g.status, g.code)
			}
		}
	})
	current := first
	t.Run("an approval and a withdrawal re-encode the page (its bytes, so its tag, stay)", func(t *testing.T) {
		ds := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("second", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, ds.ID)
		before := pageStats(t, ts)
		g := getIfNoneMatch(t, url, w.BenchmarkOwner.Token, current.etag)
		if g.status != 304 {
			t.Errorf("after an approval that changes no result: %d, want 304", g.status)
		}
		if st := pageStats(t, ts); st.Misses != before.Misses+1 {
			t.Errorf("after an approval: misses %d → %d, want one more (the old entry must not be served)", before.Misses, st.Misses)
		}
		medperftest.Must[*medperf.Association](t)(w.DataOwner.DecideAssociation(ctx, w.Benchmark.ID, medperf.KindDataset, ds.ID,
			medperf.AssociationDecision{ApprovalStatus: medperftest.Ptr(medperf.StatusRejected)}))
		before = pageStats(t, ts)
		getIfNoneMatch(t, url, w.BenchmarkOwner.Token)
		if st := pageStats(t, ts); st.Misses != before.Misses+1 {
			t.Errorf("after a withdrawal: misses %d → %d, want one more", before.Misses, st.Misses)
		}
	})
	t.Run("a new result is in the next page at once", func(t *testing.T) {
		ds := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("third", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, ds.ID)
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: w.ReferenceModel.ID,
			DatasetID: ds.ID, Metrics: medperftest.Metrics(0.7)}); err != nil {
			t.Fatal(err)
		}
		g := getIfNoneMatch(t, url, w.BenchmarkOwner.Token, current.etag)
		if g.status != 200 || g.etag == current.etag || resultCount(t, g.body) != 3 {
			t.Fatalf("after a third result: %d, ETag %q (was %q), %s", g.status, g.etag, current.etag, g.body)
		}
		current = g
	})
	t.Run("a revoked token gets nothing, however cached the page", func(t *testing.T) {
		tokens := medperftest.Must[[]medperf.Token](t)(w.BenchmarkOwner.ListTokens(ctx))
		for _, tok := range tokens {
			if err := w.BenchmarkOwner.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
		}
		g := getIfNoneMatch(t, url, w.BenchmarkOwner.Token, current.etag)
		if g.status != 401 || g.code != string(medperf.CodeUnauthorized) || g.etag != "" {
			t.Errorf("revoked token: %d %q, ETag %q; want 401 unauthorized without an ETag", g.status, g.code, g.etag)
		}
	})
}
