package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// snapshotEvery is how often snapshotLoad looks at the server during a
// write row.
const snapshotEvery = 500 * time.Millisecond

// snapshotLoad, when -profile is set, takes a snapshot of the server's
// memory every snapshotEvery until stop is closed: the heap profile
// (ROW-sN.heap.pprof, in use and allocated), the goroutines grouped by
// stack (ROW-sN.goroutine.txt), and one line on stderr with
// the server's RSS, goroutines and runtime.MemStats (heap in use, stacks,
// heap released to the OS, the GC's next goal, everything the runtime got
// from the OS). It is what shows where the memory is at a write row's peak,
// which a profile taken after the row cannot: the peak is gone by then.
// The channel closes when the last snapshot is written.
func (s *server) snapshotLoad(ctx context.Context, stop <-chan struct{}) <-chan struct{} {
	done := make(chan struct{})
	if s.profileDir == "" {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		hc := &http.Client{Timeout: 30 * time.Second}
		start := time.Now()
		t := time.NewTicker(snapshotEvery)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			s.snapshot(ctx, hc, n, time.Since(start))
		}
	}()
	return done
}

// snapshot takes snapshot n of snapshotLoad, at elapsed.
func (s *server) snapshot(ctx context.Context, hc *http.Client, n int, elapsed time.Duration) {
	rss := s.rssBytes()
	_, g, _, gerr := fetch(ctx, hc, get(s.pprof+"/debug/pprof/goroutine?debug=1", ""))
	_, stats, _, serr := fetch(ctx, hc, get(s.pprof+"/debug/pprof/heap?debug=1", ""))
	_, heap, status, herr := fetch(ctx, hc, get(s.pprof+"/debug/pprof/heap", ""))
	if gerr != nil || serr != nil || herr != nil || status != 200 {
		fmt.Fprintf(os.Stderr, "snapshot %s-s%d: %v %v %v (HTTP %d)\n", s.row, n, gerr, serr, herr, status)
		return
	}
	file := filepath.Join(s.profileDir, fmt.Sprintf("%s-s%d.heap.pprof", s.row, n))
	if err := os.WriteFile(file, heap, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "snapshot %s: %v\n", file, err)
	}
	gfile := filepath.Join(s.profileDir, fmt.Sprintf("%s-s%d.goroutine.txt", s.row, n))
	if err := os.WriteFile(gfile, g, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "snapshot %s: %v\n", gfile, err)
	}
	m := memStats(stats)
	fmt.Fprintf(os.Stderr, "snapshot %s-s%d at %.1f s: RSS %d MB, %d goroutines, HeapAlloc %d MB, HeapInuse %d MB, Stack %d MB, HeapReleased %d MB, NextGC %d MB, GCSys %d MB, Sys %d MB\n",
		s.row, n, elapsed.Seconds(), rss>>20, goroutines(g), m["HeapAlloc"]>>20, m["HeapInuse"]>>20, m["Stack"]>>20,
		m["HeapReleased"]>>20, m["NextGC"]>>20, m["GCSys"]>>20, m["Sys"]>>20)
}

// goroutines reads the total of a goroutine?debug=1 profile.
func goroutines(b []byte) int {
	first, _, _ := bytes.Cut(b, []byte("\n"))
	n, _ := strconv.Atoi(strings.TrimPrefix(string(first), "goroutine profile: total "))
	return n
}

// memStats reads the "# Name = value" lines of runtime.MemStats at the end
// of a heap?debug=1 profile.
func memStats(b []byte) map[string]int64 {
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "# "), " = ")
		if !ok {
			continue
		}
		// Stack, MSpan and MCache are "in use / from the OS": the
		// first is kept under the name.
		inuse, _, _ := strings.Cut(value, " / ")
		if v, err := strconv.ParseInt(inuse, 10, 64); err == nil {
			m[name] = v
		}
	}
	return m
}
