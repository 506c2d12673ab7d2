package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// bar is one bar of a bar chart.
type bar struct {
	Label string
	Value float64
}

// Bar chart layout, in pixels of the viewBox; the SVG scales down with its
// container (CSS), so it fits any screen.
const (
	barLabelWidth = 150
	barPlotWidth  = 360
	barValueWidth = 90
	barHeight     = 22
	barGap        = 6
)

// barChart draws bars as an accessible SVG: a <title> and <desc> named by
// aria-labelledby, and per bar a <g class="bar"> with role img, an
// aria-label, data-label and data-value (the exact value). Values must be
// finite; any finite range draws (the scale halves before subtracting, so
// ±1e308 does not overflow). id must be unique in the page.
func barChart(id, title string, bars []bar) template.HTML {
	lo, hi := 0.0, 0.0
	for _, b := range bars {
		lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
	}
	if lo == hi {
		hi = 1
	}
	pos := func(v float64) float64 { return barLabelWidth + barPlotWidth*((v/2-lo/2)/(hi/2-lo/2)) }
	height := 28 + len(bars)*(barHeight+barGap)
	width := barLabelWidth + barPlotWidth + barValueWidth
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="bars" role="figure" viewBox="0 0 %d %d" width="%d" height="%d" aria-labelledby="%s-title %s-desc" font-family="sans-serif" font-size="12">`,
		width, height, width, height, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">Bar chart of %d values; each bar is labelled with its value.</desc>`,
		id, e(title), id, len(bars))
	zero := pos(0)
	for i, x := range bars {
		y := 8 + i*(barHeight+barGap)
		x0, x1 := math.Min(zero, pos(x.Value)), math.Max(zero, pos(x.Value))
		v := strconv.FormatFloat(x.Value, 'g', -1, 64)
		fmt.Fprintf(&b, `<g class="bar" role="img" aria-label="%s: %s" data-label="%s" data-value="%s">`, e(x.Label), v, e(x.Label), v)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`, barLabelWidth-6, y+barHeight/2, e(cutLabel(x.Label, 22)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#2a788e"/>`, x0, y, math.Max(x1-x0, 1), barHeight)
		fmt.Fprintf(&b, `<text x="%d" y="%d" dominant-baseline="middle">%s</text></g>`, barLabelWidth+barPlotWidth+6, y+barHeight/2, strconv.FormatFloat(x.Value, 'g', 4, 64))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="4" y2="%d" stroke="#4a4a4a"/></svg>`, zero, zero, height-8)
	return template.HTML(b.String())
}

// cutLabel shortens s to n runes, marking the cut.
func cutLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
