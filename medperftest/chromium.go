package medperftest

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ChromiumEnv names the environment variable that may hold the path of the
// Chromium (or Chrome) executable; otherwise the usual names are looked up in PATH.
const ChromiumEnv = "MEDPERF_TEST_CHROMIUM"

func chromiumPath() (string, string) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", ChromiumEnv + " names a file that does not exist"
		}
		return p, ""
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, ""
		}
	}
	return "", "no chromium, chromium-browser or google-chrome in PATH (install Debian's chromium, or set " + ChromiumEnv + ")"
}

// ChromiumFlags are the command-line flags tests start headless Chromium with:
// no sandbox (tests may run as root), and no background traffic to the
// network, which test machines do not have.
var ChromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
	"--disable-dev-shm-usage",
}

// NewBrowser starts headless Chromium at path with ChromiumFlags and a fresh
// profile directory, and returns a chromedp context whose first action
// starts the browser. Cancel it (or let the test end) to stop the browser.
// Bound single actions with a context derived from it after that first run:
// a timeout on the first run's context would stop the whole browser.
func NewBrowser(tb testing.TB, path string) (context.Context, context.CancelFunc) {
	tb.Helper()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(tb.TempDir())}
	for _, f := range ChromiumFlags {
		opts = append(opts, chromedp.Flag(strings.TrimPrefix(f, "--"), true))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	cancel := func() { bcancel(); acancel() }
	tb.Cleanup(cancel)
	return bctx, cancel
}
