package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/api"
	"github.com/medperf/medperf/medperftest"
)

// BenchmarkHTTPResultsPage reads a page of 100 of a benchmark's 1,000
// results as its owner, over HTTP (SQLite): the first page and the last
// page by offset (with the count) and by cursor (without). Profile it with
// -cpuprofile to see where a list request goes.
func BenchmarkHTTPResultsPage(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	for _, d := range benchDatasets(b, w, 1000) {
		if _, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
			ModelID: w.ReferenceModel.ID, DatasetID: d.ID, Metrics: medperftest.Metrics(0.5)}); err != nil {
			b.Fatal(err)
		}
	}
	base := fmt.Sprintf("%s%s/results?benchmark=%d&limit=100", ts.URL(), api.Prefix, w.Benchmark.ID)
	var page medperf.List[json.RawMessage]
	json.Unmarshal(getBody(b, base+"&offset=800", w.BenchmarkOwner.Token), &page)
	for name, url := range map[string]string{
		"offset-first": base, "offset-last": base + "&offset=900",
		"cursor-first": base + "&cursor=", "cursor-last": base + "&cursor=" + page.Next,
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				getBody(b, url, w.BenchmarkOwner.Token)
			}
		})
	}
}

// BenchmarkHTTPMe is GET /me: mostly the token lookup.
func BenchmarkHTTPMe(b *testing.B) {
	ts := medperftest.NewServer(b)
	w := ts.World(b)
	url := ts.URL() + api.Prefix + "/me"
	for b.Loop() {
		getBody(b, url, w.DataOwner.Token)
	}
}

func getBody(b *testing.B, url, token string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", url, resp.StatusCode, body)
	}
	return body
}
