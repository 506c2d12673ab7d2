package chart

import (
	"fmt"
	"hash/fnv"
	"html"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// Layout shared by the charts, in pixels.
const (
	fontSize    = 12
	labelWidth  = 190 // room for model names left of the plot
	labelChars  = 26  // model names longer than this are cut, in full in their <title>
	headerChars = 14  // the same for dataset names over heatmap columns
	titleHeight = 28
)

// builder accumulates SVG markup. Every string that is not a literal of
// this package goes through esc or num.
type builder struct{ strings.Builder }

func (b *builder) printf(format string, args ...any) { fmt.Fprintf(b, format, args...) }

// esc escapes s for XML text and attribute values, and replaces characters
// XML cannot hold (control characters, invalid UTF-8) with U+FFFD, so that
// the markup stays well-formed whatever a user named a model.
func esc(s string) string {
	clean := strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
	return html.EscapeString(clean)
}

// num formats a coordinate.
func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// exact formats a value with every digit, for data-value attributes.
func exact(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// short formats a value for a label: three significant digits.
func short(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// cut shortens s to at most n characters, marking the cut with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// chartID makes an ID unique to one chart kind and metric, for the
// elements that aria-labelledby and gradients refer to.
func chartID(kind, metric string) string {
	h := fnv.New32a()
	h.Write([]byte(metric))
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, cut(metric, 24))
	return fmt.Sprintf("mp-%s-%s-%08x", kind, safe, h.Sum32())
}

// findBoard returns the board of metric in lb.
func findBoard(lb *leaderboard.Leaderboard, metric string) (*leaderboard.Board, error) {
	for i := range lb.Boards {
		if lb.Boards[i].Metric == metric {
			return &lb.Boards[i], nil
		}
	}
	return nil, medperf.FieldError("metric", "the leaderboard has no metric %q", metric)
}

// directionText says how to read the colours or the axis.
func directionText(d medperf.Direction) string {
	switch d {
	case medperf.HigherIsBetter:
		return "higher is better"
	case medperf.LowerIsBetter:
		return "lower is better"
	}
	return "direction not declared"
}

// scale maps a board's values onto [0, 1].
type scale struct {
	lo, hi float64
	dir    medperf.Direction
}

// newScale spans the declared range when the board has one, otherwise the
// values present; a single value sits in the middle.
func newScale(b *leaderboard.Board) scale {
	s := observedScale(b)
	if b.Min != nil && finite(*b.Min) {
		s.lo = *b.Min
	}
	if b.Max != nil && finite(*b.Max) {
		s.hi = *b.Max
	}
	if s.lo >= s.hi {
		s.lo, s.hi = spanAround(s.lo)
	}
	return s
}

// observedScale spans the values present on the board, whatever range the
// benchmark declared, so that a metric whose values sit in a narrow band
// (dice between 0.82 and 0.91) still uses the whole colour scale. A board
// without values spans 0–1; a single value sits in the middle.
func observedScale(b *leaderboard.Board) scale {
	s := scale{lo: math.Inf(1), hi: math.Inf(-1), dir: b.Direction}
	for _, row := range b.Cells {
		for _, c := range row {
			if c.Value != nil && finite(*c.Value) {
				s.lo, s.hi = math.Min(s.lo, *c.Value), math.Max(s.hi, *c.Value)
			}
		}
	}
	switch {
	case math.IsInf(s.lo, 0) || math.IsInf(s.hi, 0):
		s.lo, s.hi = 0, 1
	case s.lo >= s.hi:
		s.lo, s.hi = spanAround(s.lo)
	}
	return s
}

func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }

// spanAround returns a range with v in its middle that stays finite even
// at the ends of float64.
func spanAround(v float64) (float64, float64) {
	d := math.Max(0.5, math.Abs(v)*1e-9)
	lo, hi := v-d, v+d
	if math.IsInf(lo, 0) {
		lo = -math.MaxFloat64
	}
	if math.IsInf(hi, 0) {
		hi = math.MaxFloat64
	}
	return lo, hi
}

// pos places v along the value axis: 0 at lo, 1 at hi. It halves both
// differences before dividing, so that a range spanning ±1e308, whose
// width overflows float64, still maps into [0, 1] (issue 12 finding 5).
func (s scale) pos(v float64) float64 {
	p := (v/2 - s.lo/2) / (s.hi/2 - s.lo/2)
	if math.IsNaN(p) {
		return 0
	}
	return math.Max(0, math.Min(1, p))
}

// at returns the value at fraction f of the scale, finite at any range.
func (s scale) at(f float64) float64 { return s.lo + f*(s.hi/2-s.lo/2)*2 }

// goodness is 1 for the best end of the scale and 0 for the worst; for a
// metric without a direction it follows the value.
func (s scale) goodness(v float64) float64 {
	if s.dir == medperf.LowerIsBetter {
		return 1 - s.pos(v)
	}
	return s.pos(v)
}

// colourStops are steps of the viridis scale, from yellow (worst, or low)
// to deep purple (best, or high): perceptually uniform, readable in
// greyscale and by readers with any common colour-vision deficiency, and
// the best cells are the darkest.
var colourStops = [][3]float64{
	{253, 231, 37}, {122, 209, 81}, {34, 168, 132}, {42, 120, 142}, {65, 68, 135}, {68, 1, 84},
}

// colour returns the fill for goodness g in [0, 1]; anything else (NaN
// included) is clamped, so no value can index outside the stops.
func colour(g float64) [3]float64 {
	if !(g > 0) {
		g = 0
	}
	g = math.Min(g, 1)
	seg := g * float64(len(colourStops)-1)
	i := max(0, min(int(seg), len(colourStops)-2))
	f := seg - float64(i)
	var c [3]float64
	for k := range c {
		c[k] = colourStops[i][k] + f*(colourStops[i+1][k]-colourStops[i][k])
	}
	return c
}

func hex(c [3]float64) string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c[0])), int(math.Round(c[1])), int(math.Round(c[2])))
}

// textOn returns black or white, whichever contrasts more with fill
// (WCAG relative luminance).
func textOn(fill [3]float64) string {
	l := luminance(fill)
	if (l+0.05)/0.05 >= 1.05/(l+0.05) {
		return "#000000"
	}
	return "#ffffff"
}

func luminance(c [3]float64) float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// open starts an svg element of the given size whose accessible name and
// description are title and desc.
func open(b *builder, id string, width, height float64, title, desc string) {
	b.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="mp-chart" role="figure" width="%s" height="%s" viewBox="0 0 %s %s" aria-labelledby="%s-title %s-desc" font-family="sans-serif" font-size="%d">`,
		num(width), num(height), num(width), num(height), id, id, fontSize)
	b.printf(`<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	b.printf(`<text x="0" y="18" font-size="14" font-weight="bold">%s</text>`, esc(title))
}

// rowLabel writes a model's name right-aligned left of the plot, cut to
// fit, with the full name as its tooltip.
func rowLabel(b *builder, name string, y float64) {
	b.printf(`<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle"><title>%s</title>%s</text>`,
		num(labelWidth-8), num(y), esc(name), esc(cut(name, labelChars)))
}
