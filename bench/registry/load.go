package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// stats are the figures of one load run.
type stats struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration
	body      int // bytes of one response body
}

func (s stats) rps() float64 { return float64(s.n) / s.elapsed.Seconds() }

// pct returns the p-th percentile latency (0 < p ≤ 100).
func (s stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	i := int(float64(len(s.lat))*p/100+0.5) - 1
	return s.lat[max(0, min(i, len(s.lat)-1))]
}

// request makes the i-th request of a load run.
type request func(i int) (*http.Request, error)

// closedLoop runs clients workers, each sending requests one after the
// other over its keep-alive connection until d has passed (and at least
// minN requests were made in all), and returns the figures.
func closedLoop(ctx context.Context, hc *http.Client, clients int, d time.Duration, minN int, req request) stats {
	var (
		mu  sync.Mutex
		all stats
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	next := 0
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs, body := 0, 0
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if time.Now().After(deadline) && i >= minN {
					break
				}
				t0 := time.Now()
				status, n, err := send(ctx, hc, req, i)
				lat = append(lat, time.Since(t0))
				if err != nil || status >= 300 {
					errs++
				}
				body = n
			}
			mu.Lock()
			all.lat = append(all.lat, lat...)
			all.errors += errs
			all.n += len(lat)
			all.body = max(all.body, body)
			mu.Unlock()
		}()
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	return all
}

// send makes one request and reads the whole response.
func send(ctx context.Context, hc *http.Client, req request, i int) (int, int, error) {
	r, err := req(i)
	if err != nil {
		return 0, 0, err
	}
	resp, err := hc.Do(r.WithContext(ctx))
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, int(n), err
}

// get returns a request function for a GET of url with a bearer token.
func get(url, token string) request {
	return func(int) (*http.Request, error) {
		r, err := http.NewRequest("GET", url, nil)
		if err == nil && token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r, err
	}
}

// ceiling is a bare net/http server in this process that answers every
// request with the same status, content type and body.
type ceiling struct {
	srv *http.Server
	url string
}

func startCeiling(contentType string, body []byte) (*ceiling, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &ceiling{url: "http://" + ln.Addr().String() + "/"}
	c.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})}
	go c.srv.Serve(ln)
	return c, nil
}

func (c *ceiling) close() { c.srv.Close() }

// fetch returns the content type and body of one response to req.
func fetch(ctx context.Context, hc *http.Client, req request) (string, []byte, int, error) {
	r, err := req(0)
	if err != nil {
		return "", nil, 0, err
	}
	resp, err := hc.Do(r.WithContext(ctx))
	if err != nil {
		return "", nil, 0, err
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = io.Copy(&b, resp.Body)
	return resp.Header.Get("Content-Type"), b.Bytes(), resp.StatusCode, err
}
