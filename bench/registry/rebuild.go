package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/medperf/medperf"
)

// rebuilds is how many first builds the rebuild row times.
const rebuilds = 5

// rebuildRow times the leaderboard's first build after a change, which no
// cache answers: each time the benchmark's owner changes the benchmark's
// user metadata (any change raises its leaderboard version, on every
// replica), then one client asks for the leaderboard. The server's peak RSS
// during these builds is the memory a build takes. With a profile
// directory, the server's CPU profile of the builds and its heap profile
// after them are saved there.
func rebuildRow(ctx context.Context, s *server, w *world, t *table, profile string) error {
	url := fmt.Sprintf("%s/api/v1/benchmarks/%d/leaderboard", s.url, w.lb)
	if profile != "" {
		done := saveProfile(ctx, s.pprof+"/debug/pprof/profile?seconds=30", filepath.Join(profile, "rebuild.cpu.pprof"))
		defer func() {
			<-done
			<-saveProfile(ctx, s.pprof+"/debug/pprof/heap", filepath.Join(profile, "rebuild.heap.pprof"))
		}()
		time.Sleep(100 * time.Millisecond) // the profile starts before the first build
	}
	stop := make(chan struct{})
	peak := s.peakRSS(stop)
	st := stats{}
	body := 0
	start := time.Now()
	for i := range rebuilds {
		meta := json.RawMessage(fmt.Sprintf(`{"harness_change": %d}`, i))
		if _, err := w.owner.UpdateBenchmark(ctx, w.lb, medperf.BenchmarkPatch{UserMetadata: &meta}); err != nil {
			close(stop)
			<-peak
			return fmt.Errorf("changing the benchmark: %w", err)
		}
		t0 := time.Now()
		_, b, status, err := fetch(ctx, w.http, get(url, w.ownerToken))
		st.lat = append(st.lat, time.Since(t0))
		st.n++
		if err != nil || status != 200 {
			st.errors++
		}
		body = len(b)
	}
	st.elapsed = time.Since(start)
	close(stop)
	t.add(row{name: fmt.Sprintf("leaderboard's first build after a change, %d results (%d models × %d datasets), 1 client, %d changes",
		w.lbModelCount*w.lbDatasetCount, w.lbModelCount, w.lbDatasetCount, rebuilds), st: st, rss: <-peak, body: body, dup: -1,
		note: "req/s includes the change before each build"})
	return nil
}

// saveProfile fetches a profile into file in the background; the channel
// closes when it is written (or failed: the harness says so on stderr).
func saveProfile(ctx context.Context, url, file string) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, b, status, err := fetch(ctx, &http.Client{Timeout: time.Minute}, get(url, ""))
		if err == nil && status == 200 {
			err = os.WriteFile(file, b, 0o644)
		}
		if err != nil || status != 200 {
			fmt.Fprintf(os.Stderr, "profile %s: HTTP %d, %v\n", url, status, err)
			return
		}
		fmt.Fprintf(os.Stderr, "saved %s\n", file)
	}()
	return done
}
