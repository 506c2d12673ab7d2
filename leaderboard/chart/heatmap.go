package chart

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// Heatmap layout, in pixels.
const (
	cellWidth    = 96
	cellHeight   = 40
	headerHeight = 42
	legendHeight = 48
	legendWidth  = 240
)

// Heatmap returns an SVG heatmap of metric in lb: one row per model in
// leaderboard order, one column per dataset, each cell coloured on the
// viridis scale from yellow (worst) to deep purple (best) by the metric's
// direction over the range of the values present (not the declared
// range: a narrow band of values still spans the whole scale), and
// labelled with its value and, for a metric with a direction, its rank at
// that dataset ("#1"); the best model at each dataset (rank 1, ties
// included) is also outlined and marked "best". A cell without a value is
// white with a dash. Each cell is a <g class="cell"> with data-model and
// data-dataset (IDs), data-value (the exact value, empty when missing,
// then also data-missing="true"), data-rank when ranked and
// data-best="true" on the best. Any finite values draw, however far apart.
// It fails with CodeInvalid when lb has no board for metric.
func Heatmap(lb *leaderboard.Leaderboard, metric string) (string, error) {
	board, err := findBoard(lb, metric)
	if err != nil {
		return "", err
	}
	id := chartID("heatmap", metric)
	sc := observedScale(board)
	top := float64(titleHeight + headerHeight)
	width := float64(labelWidth + max(len(lb.Datasets)*cellWidth, legendWidth+80) + 8)
	height := top + float64(len(lb.Models)*cellHeight) + legendHeight

	var b builder
	title := fmt.Sprintf("%s by model and dataset", metric)
	deeper := "better"
	if !board.Direction.Valid() {
		deeper = "higher"
	}
	desc := fmt.Sprintf("Heatmap of %s for %d models (rows, in leaderboard order) on %d datasets (columns); %s; darker (viridis, yellow to purple) is %s; each dataset's best model is outlined and marked best; cells marked with a dash have no result.",
		metric, len(lb.Models), len(lb.Datasets), directionText(board.Direction), deeper)
	open(&b, id, width, height, title, desc)
	for j, d := range lb.Datasets {
		x := float64(labelWidth + j*cellWidth + cellWidth/2)
		columnHeader(&b, d.Name, x, top-8)
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

// columnHeader writes a dataset's name over its column on up to two
// lines (names of one hospital's sites often share their first words),
// cut to fit, with the full name as its tooltip.
func columnHeader(b *builder, name string, x, bottom float64) {
	first, rest := splitHeader(name)
	if rest == "" {
		b.printf(`<text x="%s" y="%s" text-anchor="middle"><title>%s</title>%s</text>`, num(x), num(bottom), esc(name), esc(first))
		return
	}
	b.printf(`<text x="%s" y="%s" text-anchor="middle"><title>%s</title><tspan x="%s">%s</tspan><tspan x="%s" dy="14">%s</tspan></text>`,
		num(x), num(bottom-14), esc(name), num(x), esc(first), num(x), esc(cut(rest, headerChars)))
}

// splitHeader breaks name into a first line of at most headerChars runes,
// at the last space when there is one, and the rest.
func splitHeader(name string) (string, string) {
	r := []rune(name)
	if len(r) <= headerChars {
		return name, ""
	}
	at := headerChars
	for i := headerChars; i > 0; i-- {
		if r[i] == ' ' {
			at = i
			break
		}
	}
	return string(r[:at]), strings.TrimSpace(string(r[at:]))
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
	rank, best := "", c.Rank != nil && *c.Rank < 2
	if c.Rank != nil {
		rank = strconv.FormatFloat(*c.Rank, 'g', -1, 64)
		label += ", rank " + rank + " at this dataset"
	}
	if best {
		label += " (best)"
	}
	fill := colour(sc.goodness(v))
	b.printf(`<g class="cell" role="img" aria-label="%s" data-model="%d" data-dataset="%d" data-value="%s"`,
		esc(label), m.ID, d.ID, exact(v))
	if rank != "" {
		b.printf(` data-rank="%s"`, rank)
	}
	if best {
		b.printf(` data-best="true"`)
	}
	b.printf(`><title>%s</title>`, esc(label))
	b.printf(`<rect x="%s" y="%s" width="%d" height="%d" fill="%s"/>`, num(x+1), num(y+1), cellWidth-2, cellHeight-2, hex(fill))
	if best {
		// Two rings, black and white, so the mark shows on any fill.
		b.printf(`<rect x="%s" y="%s" width="%d" height="%d" fill="none" stroke="#000000" stroke-width="3"/>`, num(x+2.5), num(y+2.5), cellWidth-5, cellHeight-5)
		b.printf(`<rect x="%s" y="%s" width="%d" height="%d" fill="none" stroke="#ffffff" stroke-width="1"/>`, num(x+4.5), num(y+4.5), cellWidth-9, cellHeight-9)
	}
	ink := textOn(fill)
	if rank == "" {
		b.printf(`<text x="%s" y="%s" text-anchor="middle" dominant-baseline="middle" fill="%s">%s</text></g>`,
			num(cx), num(cy), ink, short(v))
		return
	}
	b.printf(`<text x="%s" y="%s" text-anchor="middle" dominant-baseline="middle" fill="%s">%s</text>`,
		num(cx), num(cy-7), ink, short(v))
	mark := "#" + rank
	if best {
		mark = "★ best"
	}
	b.printf(`<text class="rank" x="%s" y="%s" text-anchor="middle" dominant-baseline="middle" font-size="10" fill="%s">%s</text></g>`,
		num(cx), num(cy+9), ink, mark)
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
