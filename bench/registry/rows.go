package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medperf/medperf"
)

var allRows = []string{"list", "cursor", "me", "leaderboard", "rebuild", "offset", "offset-cold", "storm", "paced", "submit"}

func rowsOf(s string) []string {
	if s == "all" {
		return allRows
	}
	return strings.Split(s, ",")
}

func runRow(ctx context.Context, name string, s *server, w *world, o options, t *table) error {
	api := s.url + "/api/v1"
	// The deep page is at 90% of the results: offset 900,000 of the
	// issue's million.
	lastPage := w.lbModelCount * w.lbDatasetCount * 9 / 10
	switch name {
	case "list":
		return readRow(ctx, s, t, "`GET /results?benchmark=B&limit=100` (owner; offset paging, with total)", o.clients, o.duration,
			get(fmt.Sprintf("%s/results?benchmark=%d&limit=100", api, w.lb), w.ownerToken))
	case "cursor":
		return readRow(ctx, s, t, "`GET /results?benchmark=B&limit=100&cursor=` (owner; keyset, no total)", o.clients, o.duration,
			get(fmt.Sprintf("%s/results?benchmark=%d&limit=100&cursor=", api, w.lb), w.ownerToken))
	case "me":
		return readRow(ctx, s, t, "`GET /me`", o.clients, o.duration, get(api+"/me", w.ownerToken))
	case "leaderboard":
		return readRow(ctx, s, t, fmt.Sprintf("leaderboard at %d results (%d models × %d datasets), 4 clients",
			w.lbModelCount*w.lbDatasetCount, w.lbModelCount, w.lbDatasetCount), 4, o.duration,
			get(fmt.Sprintf("%s/benchmarks/%d/leaderboard", api, w.lb), w.ownerToken))
	case "rebuild":
		return rebuildRow(ctx, s, w, t, o.profile)
	case "offset":
		if err := readRow(ctx, s, t, fmt.Sprintf("results page at offset %d", lastPage), o.clients, o.duration,
			get(fmt.Sprintf("%s/results?benchmark=%d&limit=100&offset=%d", api, w.lb, lastPage), w.ownerToken)); err != nil {
			return err
		}
		next, err := cursorAt(ctx, w, api, max(0, lastPage-100))
		if err != nil || next == "" {
			t.add(row{name: fmt.Sprintf("results page after offset %d by `cursor` (server gives no `next`)", lastPage), errors: 1, dup: -1})
			return nil
		}
		return readRow(ctx, s, t, fmt.Sprintf("results page after offset %d by `cursor`", lastPage), o.clients, o.duration,
			get(fmt.Sprintf("%s/results?benchmark=%d&limit=100&cursor=%s", api, w.lb, next), w.ownerToken))
	case "offset-cold":
		return offsetColdRow(ctx, s, w, t, api, lastPage, o.profile)
	case "storm":
		return writeRow(ctx, s, w, t, w.storm, "storm: %d sites × %d models, %d submissions at once", storm)
	case "paced":
		return writeRow(ctx, s, w, t, w.paced, "paced storm: %d sites in parallel × %d models in turn (%d submissions)", paced)
	case "submit":
		return writeRow(ctx, s, w, t, w.submit, "%d × %d = %d result submissions under 64 clients", pool64)
	}
	return fmt.Errorf("unknown row %q (known: %s)", name, strings.Join(allRows, ", "))
}

// readRow measures one GET against the server and its ceiling.
func readRow(ctx context.Context, s *server, t *table, name string, clients int, d time.Duration, req request) error {
	hc := newHTTPClient(clients)
	ct, body, status, err := fetch(ctx, hc, req)
	if err != nil {
		return err
	}
	if status != 200 {
		t.add(row{name: name + fmt.Sprintf(" — HTTP %d: %.200s", status, bytes.TrimSpace(body)), errors: 1, dup: -1})
		return nil
	}
	profiled := s.profileLoad(ctx, d)
	stop := make(chan struct{})
	peak := s.peakRSS(stop)
	st := closedLoop(ctx, hc, clients, d, 3, req)
	close(stop)
	<-profiled
	r := row{name: name, st: st, rss: <-peak, body: len(body), dup: -1}
	c, err := startCeiling(ct, body)
	if err != nil {
		return err
	}
	defer c.close()
	chc := newHTTPClient(clients)
	cst := closedLoop(ctx, chc, clients, d, 3, get(c.url, ""))
	r.ceiling = cst.rps()
	t.add(r)
	return nil
}

// cursorAt returns the `next` of the page at offset off, or "".
func cursorAt(ctx context.Context, w *world, api string, off int) (string, error) {
	_, body, _, err := fetch(ctx, w.http, get(fmt.Sprintf("%s/results?benchmark=%d&limit=100&offset=%d", api, w.lb, off), w.ownerToken))
	if err != nil {
		return "", err
	}
	var l struct {
		Next string `json:"next"`
	}
	json.Unmarshal(body, &l)
	return l.Next, nil
}

// submission is one result a site submits.
type submission struct {
	site  int
	model int64
	body  []byte
}

// plan is a way to send the submissions: it returns their latencies and
// errors.
type plan func(ctx context.Context, s *server, w *world, subs [][]submission) ([]time.Duration, int, int)

// writeRow submits one finalized result per (site's dataset, model) to
// bench with the given plan, then counts what the benchmark holds.
func writeRow(ctx context.Context, s *server, w *world, t *table, bench int64, format string, p plan) error {
	subs := make([][]submission, len(w.sites))
	for i := range w.sites {
		for j, m := range w.models[:min(len(w.models), cap(w.models))] {
			b, _ := json.Marshal(resultInput(bench, m, w.stormDatasets[i], i*len(w.models)+j))
			subs[i] = append(subs[i], submission{site: i, model: m, body: b})
		}
	}
	total := len(w.sites) * len(w.models)
	profiled := s.profileLoad(ctx, 4*time.Second)
	stop := make(chan struct{})
	peak := s.peakRSS(stop)
	snapped := s.snapshotLoad(ctx, stop)
	start := time.Now()
	lat, errs, retries := p(ctx, s, w, subs)
	elapsed := time.Since(start)
	close(stop)
	<-profiled
	<-snapped
	dup, missing, err := countResults(ctx, w, s.url+"/api/v1", bench, total)
	if err != nil {
		return err
	}
	st := stats{n: len(lat), errors: errs, elapsed: elapsed, lat: lat}
	t.add(row{name: fmt.Sprintf(format, len(w.sites), len(w.models), total), st: st, rss: <-peak, dup: dup,
		note:    fmt.Sprintf("all acknowledged in %.1f s; %d retries after 503; %d missing", elapsed.Seconds(), retries, missing),
		missing: missing})
	return nil
}

// storm sends every submission at once, one goroutine each.
func storm(ctx context.Context, s *server, w *world, subs [][]submission) ([]time.Duration, int, int) {
	hc := newHTTPClient(len(subs) * len(subs[0]))
	var all []*submission
	for i := range subs {
		for j := range subs[i] {
			all = append(all, &subs[i][j])
		}
	}
	return fanOut(len(all), func(i int) (time.Duration, bool, int) {
		return submit(ctx, hc, s.url, w.sites[all[i].site].token, all[i].body)
	})
}

// paced runs one goroutine per site, each sending its submissions in turn.
func paced(ctx context.Context, s *server, w *world, subs [][]submission) ([]time.Duration, int, int) {
	return perWorker(ctx, s, w, subs, len(subs), func(worker, k int) (int, int, bool) { return worker, k, k < len(subs[worker]) })
}

// pool64 has 64 workers share all the submissions.
func pool64(ctx context.Context, s *server, w *world, subs [][]submission) ([]time.Duration, int, int) {
	per := len(subs[0])
	total := len(subs) * per
	var mu sync.Mutex
	next := 0
	return perWorker(ctx, s, w, subs, 64, func(int, int) (int, int, bool) {
		mu.Lock()
		defer mu.Unlock()
		i := next
		next++
		return i / per, i % per, i < total
	})
}

// perWorker runs workers goroutines; each takes the (site, k) that pick
// gives it until pick says stop.
func perWorker(ctx context.Context, s *server, w *world, subs [][]submission, workers int, pick func(worker, k int) (int, int, bool)) ([]time.Duration, int, int) {
	hc := newHTTPClient(workers)
	var (
		mu          sync.Mutex
		lat         []time.Duration
		errs, retry int
		wg          sync.WaitGroup
	)
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				si, j, ok := pick(wk, k)
				if !ok {
					return
				}
				d, failed, r := submit(ctx, hc, s.url, w.sites[si].token, subs[si][j].body)
				mu.Lock()
				lat = append(lat, d)
				retry += r
				if failed {
					errs++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, errs, retry
}

func fanOut(n int, fn func(i int) (time.Duration, bool, int)) ([]time.Duration, int, int) {
	lat := make([]time.Duration, n)
	failed := make([]bool, n)
	retries := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); lat[i], failed[i], retries[i] = fn(i) }()
	}
	wg.Wait()
	errs, r := 0, 0
	for i := range n {
		r += retries[i]
		if failed[i] {
			errs++
		}
	}
	return lat, errs, r
}

// submit posts one result as a site's CLI would: on 503 it waits as
// Retry-After says (at most 10 times). It returns the latency until the
// final answer, whether that answer was a failure, and the retries.
func submit(ctx context.Context, hc *http.Client, base, token string, body []byte) (time.Duration, bool, int) {
	start := time.Now()
	for retry := 0; ; retry++ {
		r, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/results", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(r)
		status := 0
		wait := 200 * time.Millisecond
		if err == nil {
			status = resp.StatusCode
			if s, e := strconv.Atoi(resp.Header.Get("Retry-After")); e == nil {
				wait = time.Duration(s) * time.Second
			}
			resp.Body.Close()
		}
		if (status == 200 || status == 201) || (status != 503 && err == nil) || retry >= 10 {
			return time.Since(start), status != 200 && status != 201, retry
		}
		time.Sleep(wait)
	}
}

// countResults pages through the benchmark's results as its owner and
// returns the duplicated (model, dataset) pairs and the missing ones.
func countResults(ctx context.Context, w *world, api string, bench int64, want int) (int, int, error) {
	seen := map[[2]int64]int{}
	for off := 0; ; off += 1000 {
		l, err := w.owner.BenchmarkResults(ctx, bench, medperf.ResultFilter{Page: medperf.Page{Limit: 1000, Offset: off}})
		if err != nil {
			return 0, 0, err
		}
		for _, r := range l.Items {
			seen[[2]int64{r.ModelID, r.DatasetID}]++
		}
		if len(l.Items) < 1000 {
			break
		}
	}
	dup := 0
	for _, n := range seen {
		dup += n - 1
	}
	return dup, max(0, want-len(seen)), nil
}

// offsetColdRow times the deep page by offset and by cursor when no cache
// answers (the first request after a change): what each costs the
// database.
func offsetColdRow(ctx context.Context, s *server, w *world, t *table, api string, off int, profile string) error {
	if err := coldRow(ctx, s, w, t, "offset-cold", fmt.Sprintf("results page at offset %d, first after a change", off),
		fmt.Sprintf("%s/results?benchmark=%d&limit=100&offset=%d", api, w.lb, off), profile); err != nil {
		return err
	}
	next, err := cursorAt(ctx, w, api, max(0, off-100))
	if err != nil || next == "" {
		t.add(row{name: fmt.Sprintf("results page after offset %d by `cursor`, first after a change (server gives no `next`)", off), errors: 1, dup: -1})
		return nil
	}
	return coldRow(ctx, s, w, t, "cursor-cold", fmt.Sprintf("results page after offset %d by `cursor`, first after a change", off),
		fmt.Sprintf("%s/results?benchmark=%d&limit=100&cursor=%s", api, w.lb, next), profile)
}
