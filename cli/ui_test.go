package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/ui/uitest"
)

// lockedBuffer is a bytes.Buffer safe for a command writing while the
// test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var signInLink = regexp.MustCompile(`http://127\.0\.0\.1:\d+/signin\?token=\S+`)

// startUI runs `medperf ui` in-process until the test ends and returns its
// sign-in link and a function that stops it and returns its exit status.
func startUI(t *testing.T, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- RunContext(ctx, append([]string{"ui"}, args...), strings.NewReader(""), &stdout, &stderr)
	}()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("medperf ui did not stop")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if link := signInLink.FindString(stdout.String()); link != "" {
			return link, stop
		}
		select {
		case code := <-done:
			t.Fatalf("medperf ui exited with %d: %s", code, stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("medperf ui printed no sign-in link: %s %s", stdout.String(), stderr.String())
	return "", nil
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("medperf %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func TestUIRefusesARemoteAddressWithoutAllowRemote(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv("MEDPERF_HOME", t.TempDir())
	mustCLI(t, "auth", "login", "--server", ts.URL(), "--token", w.DataOwner.Token)
	code, _, errs := runCLI(t, "ui", "--no-browser", "--runtime", "local", "--addr", "0.0.0.0:0")
	if code != exitCodes[medperf.CodeForbidden] || !strings.Contains(errs, "--allow-remote") {
		t.Fatalf("exit %d, stderr %q: want the forbidden status and the way out", code, errs)
	}
}

// TestUIContinuesWorkStartedInTheCLI registers and prepares a dataset with
// the commands, makes it operational and asks to join in `medperf ui`,
// runs the benchmark with the command again, submits one result in the
// browser and the other with the command, and checks that each side shows
// what the other did (the same local storage and journals).
func TestUIContinuesWorkStartedInTheCLI(t *testing.T) {
	f := uitest.New(t)
	bctx := uitest.Browser(t)
	bg := context.Background()
	home := t.TempDir()
	t.Setenv("MEDPERF_HOME", home)
	bid, model := f.ApprovedBenchmark(t, f.Site(t, f.W.BenchmarkOwner, ""), f.Site(t, f.W.ModelOwner, ""))
	b := strconv.FormatInt(bid, 10)
	mustCLI(t, "auth", "login", "--server", f.TS.URL(), "--token", f.W.DataOwner.Token)
	mustCLI(t, "keys", "create") // the app and the command both sign with the site's key
	data, labels := uitest.RawData(t, 2)
	var ds medperf.Dataset
	if err := json.Unmarshal([]byte(mustCLI(t, "dataset", "submit", "-b", b, "-d", data, "-l", labels, "--name", "from-cli", "-y", "-o", "json")), &ds); err != nil {
		t.Fatal(err)
	}
	d := strconv.FormatInt(ds.ID, 10)
	mustCLI(t, "dataset", "prepare", "-d", d, "--runtime", "local")
	local := &site.Site{Home: site.StorageDir(home, f.TS.URL())}
	journal, err := local.PrepareJournal(ds.ID)
	if err != nil || len(journal.Steps) == 0 {
		t.Fatalf("the CLI's preparation journal: %+v, %v", journal, err)
	}

	link, stop := startUI(t, "--no-browser", "--runtime", "local")
	p := uitest.Page{T: t, Ctx: bctx}
	p.Open(link)
	p.Open(strings.SplitN(link, "/signin", 2)[0] + "/datasets/" + d)
	var names []string
	for _, s := range journal.Steps {
		names = append(names, s.Name)
	}
	if got := p.Text("#prepared-steps"); got != strings.Join(names, ", ") {
		t.Errorf("the app shows the steps %q, the CLI's journal %q", got, names)
	}
	p.Check("cli-prepared")
	base := strings.SplitN(link, "/signin", 2)[0]

	confirm := func(name string) {
		t.Helper()
		if st := p.WaitJob(); st != "waiting for your confirmation" {
			t.Fatalf("%s: state %q", name, st)
		}
		p.Do("confirm", chromedp.Click(chromedp.ID("confirm")), chromedp.WaitNotPresent(chromedp.ID("confirm")))
		if st := p.WaitJob(); st != "finished" {
			t.Fatalf("%s: state %q: %s", name, st, p.Text("main"))
		}
	}
	p.Do("set operational", chromedp.Click(chromedp.ID("operational")), chromedp.WaitVisible(chromedp.ID("job-state")))
	confirm("operational")
	p.Open(base + "/datasets/" + d)
	p.Do("ask to join", chromedp.SetValue(chromedp.ID("assoc-benchmark"), b), chromedp.Click(chromedp.ID("associate")), chromedp.WaitVisible(chromedp.ID("job-state")))
	confirm("associate")
	approve := medperf.StatusApproved
	if _, err := f.W.BenchmarkOwner.DecideAssociation(bg, bid, medperf.KindDataset, ds.ID, medperf.AssociationDecision{ApprovalStatus: &approve}); err != nil {
		t.Fatal(err)
	}

	// Back in the terminal: the dataset the app made operational runs.
	mustCLI(t, "benchmark", "run", "-b", b, "-d", d, "--runtime", "local")
	results, err := local.LocalResults(site.ResultQuery{DatasetID: ds.ID})
	if err != nil || len(results) != 2 {
		t.Fatalf("the CLI's local results: %+v, %v", results, err)
	}
	p.Open(base + "/datasets/" + d)
	for _, r := range results {
		if got := p.Text("#results"); !strings.Contains(got, r.String()) {
			t.Errorf("the app does not show the CLI's result %s: %q", r.String(), got)
		}
	}
	p.Check("cli-results")
	var mine, other site.LocalResult
	for _, r := range results {
		if r.ModelID == model {
			mine = r
		} else {
			other = r
		}
	}
	p.Open(base + "/results/" + mine.String())
	p.Do("submit", chromedp.Click(chromedp.ID("submit-result")), chromedp.WaitVisible(chromedp.ID("job-state")))
	confirm("submit")
	// And the other result with the command; the app then shows both as submitted.
	mustCLI(t, "result", "submit", "-r", other.String(), "-y")
	for _, r := range []site.LocalResult{mine, other} {
		kept, err := local.LocalResult(r.ResultKey)
		if err != nil || kept.Submitted == nil {
			t.Fatalf("result %s is not recorded as submitted: %+v, %v", r.String(), kept, err)
		}
		if reg, err := f.W.BenchmarkOwner.GetResult(bg, kept.Submitted.ID); err != nil || !reg.Signed {
			t.Errorf("result %s was not registered as signed with the site's key: %+v, %v", r.String(), reg, err)
		}
		p.Open(base + "/results/" + r.String())
		if got := p.Text("#result-submitted"); !strings.Contains(got, fmt.Sprint(kept.Submitted.ID)) {
			t.Errorf("result %s: the app says %q, the local record %d", r.String(), got, kept.Submitted.ID)
		}
	}
	p.Check("cli-submitted")
	if code := stop(); code != 0 {
		t.Errorf("medperf ui exited with %d after Ctrl-C, want 0", code)
	}
}

// TestUIOpensTheSignInLinkWithXdgOpen puts a fake xdg-open first in PATH:
// with a display it receives the sign-in link; without one, or without
// xdg-open, the app still serves and only prints the link.
func TestUIOpensTheSignInLinkWithXdgOpen(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	t.Setenv("MEDPERF_HOME", t.TempDir())
	mustCLI(t, "auth", "login", "--server", ts.URL(), "--token", w.DataOwner.Token)
	bin := t.TempDir()
	opened := filepath.Join(t.TempDir(), "opened")
	script := "#!/bin/sh\nprintf '%s' \"$1\" > " + opened + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Run("with a display, xdg-open gets the link", func(t *testing.T) {
		t.Setenv("DISPLAY", ":0")
		link, stop := startUI(t, "--runtime", "local")
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, _ := os.ReadFile(opened)
			if string(got) == link {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("xdg-open got %q, want %q", got, link)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if code := stop(); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
	t.Run("without a display, it only prints the link", func(t *testing.T) {
		os.Remove(opened)
		t.Setenv("DISPLAY", "")
		link, stop := startUI(t, "--runtime", "local")
		jar, _ := cookiejar.New(nil)
		resp, err := (&http.Client{Jar: jar}).Get(link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the printed link answers %d", resp.StatusCode)
		}
		if _, err := os.Stat(opened); err == nil {
			t.Error("xdg-open ran without a display")
		}
		if code := stop(); code != 0 {
			t.Errorf("exit %d", code)
		}
	})
}
