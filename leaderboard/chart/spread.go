package chart

import (
	"fmt"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

// Spread plot layout, in pixels.
const (
	plotWidth  = 360
	rowHeight  = 28
	axisHeight = 44
	dotRadius  = 5
	ticks      = 5
	plotPad    = 10 // keeps dots at the ends of the scale clear of the labels
)

// xAt places the fraction f of the value axis.
func xAt(f float64) float64 { return labelWidth + plotPad + f*(plotWidth-2*plotPad) }

// Spread returns an SVG strip plot of metric in lb: one row per model in
// leaderboard order, a dot per dataset at its value, and a vertical bar at
// the model's mean, on one axis spanning the declared range (or the values
// present). Each dot is a <circle class="dot"> with data-model,
// data-dataset and data-value attributes; each mean bar a <line
// class="mean"> with data-model and data-value. It fails with CodeInvalid
// when lb has no board for metric.
func Spread(lb *leaderboard.Leaderboard, metric string) (string, error) {
	board, err := findBoard(lb, metric)
	if err != nil {
		return "", err
	}
	id := chartID("spread", metric)
	sc := newScale(board)
	top := float64(titleHeight + 8)
	width := float64(labelWidth + plotWidth + 24)
	height := top + float64(len(lb.Models)*rowHeight) + axisHeight

	var b builder
	title := fmt.Sprintf("%s across datasets, per model", metric)
	desc := fmt.Sprintf("Strip plot of %s: one row per model (in leaderboard order), a dot per dataset at its value and a bar at the model's mean; %s.",
		metric, directionText(board.Direction))
	open(&b, id, width, height, title, desc)
	x := func(v float64) float64 { return xAt(sc.pos(v)) }
	for i, m := range lb.Models {
		y := top + float64(i*rowHeight) + rowHeight/2
		rowLabel(&b, m.Name, y)
		spreadRow(&b, m, lb.Datasets, board.Cells[i], board.Rows[i], x, y)
	}
	axis(&b, sc, top+float64(len(lb.Models)*rowHeight))
	b.printf(`</svg>`)
	return b.String(), nil
}

func spreadRow(b *builder, m leaderboard.Entity, datasets []leaderboard.Entity, cells []leaderboard.Cell, s leaderboard.Summary, x func(float64) float64, y float64) {
	b.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#d0d0d0"/>`, num(labelWidth), num(labelWidth+plotWidth), num(y), num(y))
	if s.Mean == nil {
		b.printf(`<text x="%s" y="%s" dominant-baseline="middle" fill="#595959">no results</text>`, num(labelWidth+8), num(y))
		return
	}
	for j, c := range cells {
		if c.Value == nil {
			continue
		}
		label := fmt.Sprintf("%s on %s: %s", m.Name, datasets[j].Name, exact(*c.Value))
		b.printf(`<circle class="dot" role="img" aria-label="%s" cx="%s" cy="%s" r="%d" fill="#1f4e79" fill-opacity="0.75" stroke="#ffffff" data-model="%d" data-dataset="%d" data-value="%s"><title>%s</title></circle>`,
			esc(label), num(x(*c.Value)), num(y), dotRadius, m.ID, datasets[j].ID, exact(*c.Value), esc(label))
	}
	label := fmt.Sprintf("%s: mean %s over %d datasets", m.Name, exact(*s.Mean), s.Sites)
	b.printf(`<line class="mean" role="img" aria-label="%s" x1="%s" x2="%s" y1="%s" y2="%s" stroke="#b03a2e" stroke-width="3" data-model="%d" data-value="%s"><title>%s</title></line>`,
		esc(label), num(x(*s.Mean)), num(x(*s.Mean)), num(y-rowHeight/2+4), num(y+rowHeight/2-4), m.ID, exact(*s.Mean), esc(label))
}

// axis draws the value axis with its ticks and which way is better.
func axis(b *builder, sc scale, y float64) {
	b.printf(`<g class="axis"><line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#000000"/>`, num(labelWidth), num(labelWidth+plotWidth), num(y), num(y))
	for k := 0; k < ticks; k++ {
		f := float64(k) / (ticks - 1)
		tx := xAt(f)
		b.printf(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#000000"/>`, num(tx), num(tx), num(y), num(y+4))
		b.printf(`<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(tx), num(y+16), short(sc.at(f)))
	}
	hint := directionText(sc.dir)
	switch sc.dir {
	case medperf.HigherIsBetter:
		hint += " →"
	case medperf.LowerIsBetter:
		hint = "← " + hint
	}
	b.printf(`<text x="%s" y="%s" text-anchor="middle" fill="#595959">%s</text></g>`, num(labelWidth+plotWidth/2), num(y+34), esc(hint))
}
