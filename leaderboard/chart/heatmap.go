package chart

import (
	"fmt"
	"strconv"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// Heatmap layout, in pixels.
const (
	cellWidth    = 96
	cellHeight   = 34
	headerHeight = 28
	legendHeight = 48
	legendWidth  = 240
)

// Heatmap returns an SVG heatmap of metric in lb: one row per model in
// leaderboard order, one column per dataset, each cell coloured from pale
// (worst) to deep blue (best) by the metric's direction over its declared
// range (or the values present) and labelled with its value. A cell
// without a value is white with a dash. Each cell is a <g class="cell">
// with data-model and data-dataset (IDs) and data-value (the exact value,
// empty when missing, then also data-missing="true"). It fails with
// CodeInvalid when lb has no board for metric.
func Heatmap(lb *leaderboard.Leaderboard, metric string) (string, error) {
	board, err := findBoard(lb, metric)
	if err != nil {
		return "", err
	}
	id := chartID("heatmap", metric)
	sc := newScale(board)
	top := float64(titleHeight + headerHeight)
	width := float64(labelWidth + max(len(lb.Datasets)*cellWidth, legendWidth+80) + 8)
	height := top + float64(len(lb.Models)*cellHeight) + legendHeight

	var b builder
	title := fmt.Sprintf("%s by model and dataset", metric)
	deeper := "better"
	if !board.Direction.Valid() {
		deeper = "higher"
	}
	desc := fmt.Sprintf("Heatmap of %s for %d models (rows, in leaderboard order) on %d datasets (columns); %s; deeper blue is %s; cells marked with a dash have no result.",
		metric, len(lb.Models), len(lb.Datasets), directionText(board.Direction), deeper)
	open(&b, id, width, height, title, desc)
	for j, d := range lb.Datasets {
		x := float64(labelWidth + j*cellWidth + cellWidth/2)
		b.printf(`<text x="%s" y="%s" text-anchor="middle"><title>%s</title>%s</text>`,
			num(x), num(top-8), esc(d.Name), esc(cut(d.Name, headerChars)))
	}
	for i, m := range lb.Models {
		y := top + float64(i*cellHeight)
		rowLabel(&b, m.Name, y+cellHeight/2)
		for j, d := range lb.Datasets {
			heatCell(&b, m, d, board.Cells[i][j], sc, float64(labelWidth+j*cellWidth), y)
		}
	}
	legend(&b, id, sc, top+float64(len(lb.Models)*cellHeight)+14)
	b.printf(`</svg>`)
	return b.String(), nil
}

func heatCell(b *builder, m, d leaderboard.Entity, c leaderboard.Cell, sc scale, x, y float64) {
	cx, cy := x+cellWidth/2, y+cellHeight/2
	if c.Value == nil {
		b.printf(`<g class="cell" role="img" aria-label="%s on %s: no result" data-model="%d" data-dataset="%d" data-value="" data-missing="true">`,
			esc(m.Name), esc(d.Name), m.ID, d.ID)
		b.printf(`<rect x="%s" y="%s" width="%d" height="%d" fill="#ffffff" stroke="#767676" stroke-dasharray="4 3"/>`,
			num(x+1), num(y+1), cellWidth-2, cellHeight-2)
		b.printf(`<text x="%s" y="%s" text-anchor="middle" dominant-baseline="middle" fill="#000000">–</text></g>`, num(cx), num(cy))
		return
	}
	v := *c.Value
	label := fmt.Sprintf("%s on %s: %s", m.Name, d.Name, exact(v))
	if c.Rank != nil {
		label += ", rank " + strconv.FormatFloat(*c.Rank, 'g', -1, 64)
	}
	fill := colour(sc.goodness(v))
	b.printf(`<g class="cell" role="img" aria-label="%s" data-model="%d" data-dataset="%d" data-value="%s">`,
		esc(label), m.ID, d.ID, exact(v))
	b.printf(`<title>%s</title>`, esc(label))
	b.printf(`<rect x="%s" y="%s" width="%d" height="%d" fill="%s"/>`, num(x+1), num(y+1), cellWidth-2, cellHeight-2, hex(fill))
	b.printf(`<text x="%s" y="%s" text-anchor="middle" dominant-baseline="middle" fill="%s">%s</text></g>`,
		num(cx), num(cy), textOn(fill), short(v))
}

// legend draws the colour scale from worst (left) to best (right), or
// from low to high for a metric without a direction.
func legend(b *builder, id string, sc scale, y float64) {
	left, right, worst, best := sc.lo, sc.hi, "worst", "best"
	switch sc.dir {
	case medperf.LowerIsBetter:
		left, right = sc.hi, sc.lo
	case medperf.HigherIsBetter:
	default:
		worst, best = "low", "high"
	}
	b.printf(`<defs><linearGradient id="%s-scale">`, id)
	for k := 0; k <= 4; k++ {
		g := float64(k) / 4
		b.printf(`<stop offset="%s" stop-color="%s"/>`, num(g*100)+"%", hex(colour(g)))
	}
	b.printf(`</linearGradient></defs>`)
	x := float64(labelWidth)
	b.printf(`<g class="legend" role="img" aria-label="colour scale from %s (%s) to %s (%s)">`, short(left), worst, short(right), best)
	b.printf(`<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s %s</text>`, num(x-8), num(y+7), worst, short(left))
	b.printf(`<rect x="%s" y="%s" width="%d" height="14" fill="url(#%s-scale)" stroke="#767676"/>`, num(x), num(y), legendWidth, id)
	b.printf(`<text x="%s" y="%s" dominant-baseline="middle">%s %s</text></g>`, num(x+legendWidth+8), num(y+7), short(right), best)
}
