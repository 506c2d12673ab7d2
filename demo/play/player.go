package play

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/server"
)

// player plays one demo.
type player struct {
	o     Options
	dir   string
	demo  *Demo
	start time.Time
	log   *progress

	url    string
	rt     *runtime
	files  *hosted
	admin  *user
	users  map[string]*user // by slug
	images []string
	report *Report

	mu         sync.Mutex // guards containers, datasets and report.Results
	benchmark  int64
	containers map[string]int64 // by cube
	datasets   map[string]int64 // by site
}

func (p *player) play(ctx context.Context) error {
	p.log = &progress{w: p.o.Out, start: p.start}
	p.report = &Report{Dir: p.o.Dir}
	p.users, p.containers, p.datasets = map[string]*user{}, map[string]int64{}, map[string]int64{}
	rt, err := p.chooseRuntime(ctx)
	if err != nil {
		return err
	}
	p.rt = rt
	p.demo.cleanup = append(p.demo.cleanup, rt.close)
	p.report.Runtime, p.report.Sandboxed, p.report.Images = rt.name, rt.sandboxed, p.images
	if err := p.openServer(ctx); err != nil {
		return err
	}
	if p.files, err = host(filepath.Join(p.dir, "hosted"), p.o.Seed); err != nil {
		return err
	}
	p.demo.cleanup = append(p.demo.cleanup, func() { p.files.srv.Close() })
	token, err := p.adminToken()
	if err != nil {
		return err
	}
	flowStart := time.Now()
	if err := p.createUsers(ctx, token); err != nil {
		return err
	}
	p.demo.AdminToken, p.demo.OwnerToken = token, p.owner().token
	for _, phase := range []func(context.Context) error{p.submitBenchmark, p.approveBenchmark, p.joinInParallel, p.approveRequests, p.runInParallel, p.leaderboard, p.auditVerify} {
		if err := phase(ctx); err != nil {
			return err
		}
	}
	p.report.Seconds = time.Since(flowStart).Seconds()
	p.report.Server = p.url
	p.demo.Report = p.report
	p.step("", "played the benchmark in %s (%d results submitted)", time.Since(flowStart).Round(100*time.Millisecond), len(p.report.Results))
	return nil
}

// openServer starts the embedded registry with SQLite in the demo's
// directory.
func (p *player) openServer(ctx context.Context) error {
	srv, err := server.Open(ctx, server.Config{Addr: p.o.Addr, DataDir: p.dir, Logger: p.o.Logger, Version: "demo", Root: p.o.Root})
	if err != nil {
		var e *medperf.Error
		if errors.As(err, &e) && e.Field == "addr" {
			return &medperf.Error{Code: medperf.CodeConflict, Field: "--addr", Message: "cannot listen on " + p.o.Addr + " (the port is taken, or the address is not this machine's): choose another with --addr", Err: err}
		}
		return err
	}
	p.demo.srv, p.url, p.demo.URL = srv, srv.URL(), srv.URL()
	p.demo.Dashboard = servesDashboard(ctx, p.url)
	p.step("", "server: %s (SQLite in %s)", p.url, p.dir)
	return nil
}

// adminToken reads the admin's token where the server wrote it.
func (p *player) adminToken() (string, error) {
	b, err := os.ReadFile(filepath.Join(p.dir, server.AdminTokenFile))
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInternal, Message: "the server wrote no admin token", Err: err}
	}
	return strings.TrimSpace(string(b)), nil
}

func (p *player) owner() *user { return p.users["benchmark-owner"] }

// parallel runs fs at once and returns the first error; the first failure
// cancels the context the others were given.
func parallel(ctx context.Context, fs ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(fs))
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = f(ctx); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && medperf.ErrorCode(err) != medperf.CodeCanceled {
			return err // the cause, rather than the cancellations it made
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// servesDashboard reports whether the server answers "/" with a page (or a
// redirect to its sign-in page) rather than an error.
func servesDashboard(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/", nil)
	if err != nil {
		return false
	}
	c := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode < 400
}
