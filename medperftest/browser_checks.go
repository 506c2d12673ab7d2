package medperftest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core 4.14.1 exactly as npm serves it (`npm pack
// axe-core@4.14.1`, package/axe.min.js, sha256 29348999…d4a9ed95c; MPL-2.0,
// its licence beside it). It is test-only: tests inject it into the page
// under test through the DevTools protocol, so the pages' strict CSP stays
// as it is and nothing of it ships in the binary.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// AxeViolation is one rule axe-core found broken, with the elements at fault.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		HTML   string `json:"html"`
		Target []any  `json:"target"`
	} `json:"nodes"`
}

// String names the rule, its impact and the first elements at fault.
func (v AxeViolation) String() string {
	var html []string
	for i, n := range v.Nodes {
		if i == 3 {
			html = append(html, fmt.Sprintf("(+%d more)", len(v.Nodes)-3))
			break
		}
		html = append(html, n.HTML)
	}
	return fmt.Sprintf("%s (%s): %s: %s", v.ID, v.Impact, v.Help, strings.Join(html, " | "))
}

// AxeViolations runs axe-core on the page the browser context shows and
// returns its violations of impact serious or critical.
func AxeViolations(ctx context.Context) ([]AxeViolation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeSource+";true")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var bad []AxeViolation
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v)
		}
	}
	return bad, nil
}

// CheckAccessible fails the test with every serious or critical axe-core
// violation of the page the browser context shows; page names it.
func CheckAccessible(tb testing.TB, ctx context.Context, page string) {
	tb.Helper()
	bad, err := AxeViolations(ctx)
	if err != nil {
		tb.Fatalf("%s: %v", page, err)
	}
	for _, v := range bad {
		tb.Errorf("%s: accessibility: %s", page, v)
	}
}

// HorizontalOverflow returns by how many CSS pixels the page shown is wider
// than the viewport (0 when it does not scroll sideways).
func HorizontalOverflow(ctx context.Context) (int, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[int](
		`Math.max(0, Math.ceil(document.documentElement.scrollWidth - document.documentElement.clientWidth))`))
}

// ArtifactsEnv names the directory where browser tests save screenshots;
// without it they go to the test's temporary directory.
const ArtifactsEnv = "MEDPERF_TEST_ARTIFACTS"

// Screenshot saves a full-page PNG of what the browser context shows as
// name.png under MEDPERF_TEST_ARTIFACTS (or a temporary directory) and logs
// where.
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = tb.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("screenshot: %s", path)
}
