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

// rebuilds is how many first answers a cold row times.
const rebuilds = 5

// rebuildRow times the leaderboard's first build after a change.
func rebuildRow(ctx context.Context, s *server, w *world, t *table, profile string) error {
	return coldRow(ctx, s, w, t, "rebuild", fmt.Sprintf("leaderboard's first build after a change, %d results (%d models × %d datasets)",
		w.lbModelCount*w.lbDatasetCount, w.lbModelCount, w.lbDatasetCount), fmt.Sprintf("%s/api/v1/benchmarks/%d/leaderboard", s.url, w.lb), profile)
}

// coldRow times the first answer to url after a change, which no cache
// answers: each time the benchmark's owner changes the benchmark's user
// metadata (any change raises its leaderboard and results version, on every
// replica), then one client asks. The server's peak RSS during these
// requests is the memory they take. With a profile directory, the server's
// CPU profile of the requests and its heap profile after them are saved
// there.
// The profiles are named after tag.
func coldRow(ctx context.Context, s *server, w *world, t *table, tag, name, url, profile string) error {
	if profile != "" {
		base := filepath.Join(profile, tag)
		done := saveProfile(ctx, s.pprof+"/debug/pprof/profile?seconds=30", base+".cpu.pprof")
		defer func() {
			<-done
			<-saveProfile(ctx, s.pprof+"/debug/pprof/heap", base+".heap.pprof")
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
	t.add(row{name: fmt.Sprintf("%s, 1 client, %d changes", name, rebuilds), st: st, rss: <-peak, body: body, dup: -1,
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

// profileLoad saves the server's CPU profile of the next d (rounded up to
// whole seconds) as ROW-N.cpu.pprof in -profile's directory, when it is
// set; the channel closes when the file is written.
func (s *server) profileLoad(ctx context.Context, d time.Duration) <-chan struct{} {
	if s.profileDir == "" {
		done := make(chan struct{})
		close(done)
		return done
	}
	s.part++
	secs := int((d + time.Second - 1) / time.Second)
	file := filepath.Join(s.profileDir, fmt.Sprintf("%s-%d.cpu.pprof", s.row, s.part))
	done := saveProfile(ctx, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.pprof, secs), file)
	time.Sleep(50 * time.Millisecond) // the profile starts before the load
	return done
}
