package medperftest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserChecksFindViolationsAndOverflow(t *testing.T) {
	path := Require(t, Chromium)
	pages := map[string]string{
		"/good": `<!doctype html><html lang="en"><head><title>ok</title></head><body><main><h1>Fine</h1><p>Text.</p></main></body></html>`,
		"/bad":  `<!doctype html><html lang="en"><head><title>bad</title></head><body><main><h1>Bad</h1><img src="/x.png"><pre>` + strings.Repeat("wide", 1000) + `</pre></main></body></html>`,
	}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The dashboard's strict policy: axe-core must still run.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		fmt.Fprint(w, pages[r.URL.Path])
	}))
	t.Cleanup(s.Close)
	ctx, cancel := NewBrowser(t, path)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(800, 600), chromedp.Navigate(s.URL+"/good")); err != nil {
		t.Fatal(err)
	}
	if bad, err := AxeViolations(ctx); err != nil || len(bad) != 0 {
		t.Fatalf("good page: violations %v, %v", bad, err)
	}
	if n, err := HorizontalOverflow(ctx); err != nil || n != 0 {
		t.Fatalf("good page overflows by %d, %v", n, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/bad")); err != nil {
		t.Fatal(err)
	}
	bad, err := AxeViolations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range bad {
		found = found || v.ID == "image-alt"
	}
	if !found {
		t.Fatalf("bad page: want image-alt among %v", bad)
	}
	if n, err := HorizontalOverflow(ctx); err != nil || n < 2000 {
		t.Fatalf("bad page overflows by %d, %v; want > 2000", n, err)
	}
}
