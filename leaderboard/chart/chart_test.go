package chart_test

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/leaderboard/chart"
)

// element is one parsed SVG element.
type element struct {
	name     string
	attrs    map[string]string
	text     string
	parent   *element
	children []*element
}

func (e *element) child(name string) *element {
	for _, c := range e.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// mustParseSVG parses markup as XML, failing the test when it is not
// well-formed, and returns its elements in document order.
func mustParseSVG(tb testing.TB, markup string) []*element {
	tb.Helper()
	dec := xml.NewDecoder(strings.NewReader(markup))
	var all []*element
	var stack []*element
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("SVG is not well-formed XML: %v\n%s", err, markup)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			e := &element{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				e.parent = stack[len(stack)-1]
				e.parent.children = append(e.parent.children, e)
			}
			stack = append(stack, e)
			all = append(all, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if len(all) == 0 || all[0].name != "svg" {
		tb.Fatalf("markup does not start with <svg>: %.80s", markup)
	}
	return all
}

func withClass(all []*element, class string) []*element {
	var out []*element
	for _, e := range all {
		if e.attrs["class"] == class {
			out = append(out, e)
		}
	}
	return out
}

func ptr(v float64) *float64 { return &v }

var (
	evil  = leaderboard.Entity{ID: 3, Name: `<script>alert("x")</script>`}
	plain = leaderboard.Entity{ID: 1, Name: "plain-net"}
	ctrl  = leaderboard.Entity{ID: 2, Name: "bell\x07 & \xff broken"}
	siteA = leaderboard.Entity{ID: 10, Name: `"quoted" & <b>bold</b>`}
	siteB = leaderboard.Entity{ID: 20, Name: "a very long hospital name that must be cut"}
	decl  = medperf.MetricSet{Metrics: []medperf.MetricSpec{
		{Name: "dice", Direction: medperf.HigherIsBetter, Min: ptr(0), Max: ptr(1), Primary: true},
		{Name: "hd95", Direction: medperf.LowerIsBetter},
	}}
)

func MustLeaderboard(tb testing.TB) *leaderboard.Leaderboard {
	tb.Helper()
	r := func(id int64, m, d leaderboard.Entity, metrics map[string]float64) leaderboard.Result {
		return leaderboard.Result{ID: id, Benchmark: 1, Model: m, Dataset: d, Metrics: metrics}
	}
	lb, err := leaderboard.Build(1, decl, []leaderboard.Result{
		r(1, plain, siteA, map[string]float64{"dice": 0.91, "hd95": 2.5}),
		r(2, plain, siteB, map[string]float64{"dice": 0.1, "hd95": 9.75}),
		r(3, evil, siteA, map[string]float64{"dice": 0.5, "hd95": 4}),
		r(4, ctrl, siteB, map[string]float64{"dice": 0.123456789, "hd95": 1}),
	}, leaderboard.Options{Models: []leaderboard.Entity{{ID: 9, Name: "no-results-net"}}})
	if err != nil {
		tb.Fatal(err)
	}
	return lb
}

func board(lb *leaderboard.Leaderboard, metric string) leaderboard.Board {
	for _, b := range lb.Boards {
		if b.Metric == metric {
			return b
		}
	}
	return leaderboard.Board{}
}

// charts runs both chart kinds on every metric.
func charts(tb testing.TB, lb *leaderboard.Leaderboard) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, b := range lb.Boards {
		h, err := chart.Heatmap(lb, b.Metric)
		if err != nil {
			tb.Fatal(err)
		}
		s, err := chart.Spread(lb, b.Metric)
		if err != nil {
			tb.Fatal(err)
		}
		out["heatmap "+b.Metric], out["spread "+b.Metric] = h, s
	}
	return out
}

func TestChartsEscapeNames(t *testing.T) {
	for name, markup := range charts(t, MustLeaderboard(t)) {
		t.Run(name+" has no markup from names", func(t *testing.T) {
			all := mustParseSVG(t, markup)
			for _, e := range all {
				if e.name == "script" || e.name == "b" {
					t.Errorf("a name became a <%s> element", e.name)
				}
			}
			if strings.Contains(markup, "<script") || !strings.Contains(markup, "&lt;script&gt;") {
				t.Error("the <script> model name is not escaped")
			}
			if strings.ContainsRune(markup, '\x07') {
				t.Error("a control character reached the markup")
			}
		})
	}
}

func TestChartsAreAccessible(t *testing.T) {
	for name, markup := range charts(t, MustLeaderboard(t)) {
		t.Run(name+" names and describes itself", func(t *testing.T) {
			all := mustParseSVG(t, markup)
			ids := map[string]*element{}
			for _, e := range all {
				if id := e.attrs["id"]; id != "" {
					ids[id] = e
				}
			}
			refs := strings.Fields(all[0].attrs["aria-labelledby"])
			if all[0].attrs["role"] == "" || len(refs) != 2 {
				t.Fatalf("svg role %q, aria-labelledby %q; want a role and a title and desc", all[0].attrs["role"], refs)
			}
			for i, want := range []string{"title", "desc"} {
				if e := ids[refs[i]]; e == nil || e.name != want || strings.TrimSpace(e.text) == "" {
					t.Errorf("aria-labelledby %q does not name a non-empty <%s>", refs[i], want)
				}
			}
			for _, e := range all {
				if e.attrs["data-model"] != "" && e.attrs["aria-label"] == "" {
					t.Errorf("mark <%s data-model=%s> has no aria-label", e.name, e.attrs["data-model"])
				}
			}
		})
	}
}

func TestHeatmapCellsMatchTheLeaderboard(t *testing.T) {
	lb := MustLeaderboard(t)
	for _, metric := range []string{"dice", "hd95"} {
		t.Run(metric+" cells carry the exact values", func(t *testing.T) {
			markup, err := chart.Heatmap(lb, metric)
			if err != nil {
				t.Fatal(err)
			}
			cells := withClass(mustParseSVG(t, markup), "cell")
			if len(cells) != len(lb.Models)*len(lb.Datasets) {
				t.Fatalf("%d cells, want %d", len(cells), len(lb.Models)*len(lb.Datasets))
			}
			b := board(lb, metric)
			for k, c := range cells {
				i, j := k/len(lb.Datasets), k%len(lb.Datasets)
				want := b.Cells[i][j].Value
				if c.attrs["data-model"] != strconv.FormatInt(lb.Models[i].ID, 10) || c.attrs["data-dataset"] != strconv.FormatInt(lb.Datasets[j].ID, 10) {
					t.Errorf("cell %d is model %s dataset %s, want %d %d", k, c.attrs["data-model"], c.attrs["data-dataset"], lb.Models[i].ID, lb.Datasets[j].ID)
				}
				if want == nil {
					if c.attrs["data-value"] != "" || c.attrs["data-missing"] != "true" {
						t.Errorf("missing cell %d: data-value %q data-missing %q", k, c.attrs["data-value"], c.attrs["data-missing"])
					}
					continue
				}
				got, err := strconv.ParseFloat(c.attrs["data-value"], 64)
				if err != nil || got != *want {
					t.Errorf("cell %d data-value %q, want %v", k, c.attrs["data-value"], *want)
				}
				if text := c.child("text"); text == nil || text.text != strconv.FormatFloat(*want, 'g', 3, 64) {
					t.Errorf("cell %d shows %v, want %v to 3 digits", k, text, *want)
				}
			}
		})
	}
}

// fillLuminance is the relative luminance of a cell's rect fill.
func fillLuminance(tb testing.TB, cell *element) float64 {
	tb.Helper()
	fill := cell.child("rect").attrs["fill"]
	var rgb [3]float64
	for k := range rgb {
		v, err := strconv.ParseUint(fill[1+2*k:3+2*k], 16, 8)
		if err != nil {
			tb.Fatalf("fill %q is not #rrggbb", fill)
		}
		rgb[k] = float64(v) / 255
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
}

func TestHeatmapColourFollowsDirection(t *testing.T) {
	lb := MustLeaderboard(t)
	tests := []struct {
		metric       string
		best, worst  float64
		bestDarkText bool
	}{
		{"dice", 0.91, 0.1, false},
		{"hd95", 1, 9.75, false},
	}
	for _, tt := range tests {
		t.Run(tt.metric+" has its best value darkest", func(t *testing.T) {
			markup, _ := chart.Heatmap(lb, tt.metric)
			var darkest, lightest *element
			for _, c := range withClass(mustParseSVG(t, markup), "cell") {
				if c.attrs["data-missing"] == "true" {
					continue
				}
				if darkest == nil || fillLuminance(t, c) < fillLuminance(t, darkest) {
					darkest = c
				}
				if lightest == nil || fillLuminance(t, c) > fillLuminance(t, lightest) {
					lightest = c
				}
			}
			if darkest.attrs["data-value"] != strconv.FormatFloat(tt.best, 'g', -1, 64) || lightest.attrs["data-value"] != strconv.FormatFloat(tt.worst, 'g', -1, 64) {
				t.Errorf("darkest %s, lightest %s; want best %v darkest and worst %v lightest",
					darkest.attrs["data-value"], lightest.attrs["data-value"], tt.best, tt.worst)
			}
			if darkest.child("text").attrs["fill"] != "#ffffff" || lightest.child("text").attrs["fill"] != "#000000" {
				t.Error("cell text does not contrast with its fill")
			}
		})
	}
}

func TestSpreadMatchesTheLeaderboard(t *testing.T) {
	lb := MustLeaderboard(t)
	markup, err := chart.Spread(lb, "dice")
	if err != nil {
		t.Fatal(err)
	}
	all := mustParseSVG(t, markup)
	b := board(lb, "dice")
	want := map[string]float64{}
	for i, row := range b.Cells {
		for j, c := range row {
			if c.Value != nil {
				want[strconv.FormatInt(lb.Models[i].ID, 10)+"/"+strconv.FormatInt(lb.Datasets[j].ID, 10)] = *c.Value
			}
		}
	}
	dots := withClass(all, "dot")
	if len(dots) != len(want) {
		t.Errorf("%d dots, want %d", len(dots), len(want))
	}
	for _, d := range dots {
		v, err := strconv.ParseFloat(d.attrs["data-value"], 64)
		if w, ok := want[d.attrs["data-model"]+"/"+d.attrs["data-dataset"]]; err != nil || !ok || v != w {
			t.Errorf("dot model %s dataset %s value %q, want %v", d.attrs["data-model"], d.attrs["data-dataset"], d.attrs["data-value"], w)
		}
	}
	means := withClass(all, "mean")
	if len(means) != 3 {
		t.Fatalf("%d mean bars, want one per model with results (3)", len(means))
	}
	for i, m := range means {
		v, _ := strconv.ParseFloat(m.attrs["data-value"], 64)
		if math.Abs(v-*b.Rows[i].Mean) > 0 || m.attrs["data-model"] != strconv.FormatInt(b.Rows[i].Model.ID, 10) {
			t.Errorf("mean bar %d: model %s value %v, want %d %v", i, m.attrs["data-model"], v, b.Rows[i].Model.ID, *b.Rows[i].Mean)
		}
	}
	if !strings.Contains(markup, ">no results<") {
		t.Error("the model without results is not marked")
	}
}

func TestChartsRefuseAnUnknownMetric(t *testing.T) {
	lb := MustLeaderboard(t)
	for name, draw := range map[string]func(*leaderboard.Leaderboard, string) (string, error){
		"heatmap": chart.Heatmap, "spread": chart.Spread,
	} {
		t.Run(name+" refuses it", func(t *testing.T) {
			_, err := draw(lb, "nope")
			if medperf.ErrorCode(err) != medperf.CodeInvalid {
				t.Errorf("error %v, want CodeInvalid", err)
			}
		})
	}
}

func TestChartsOfAnEmptyLeaderboard(t *testing.T) {
	lb, err := leaderboard.Build(1, decl, nil, leaderboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for name, markup := range charts(t, lb) {
		t.Run(name+" is a well-formed empty chart", func(t *testing.T) {
			if n := len(withClass(mustParseSVG(t, markup), "cell")); n != 0 {
				t.Errorf("%d cells, want none", n)
			}
		})
	}
}

// FuzzChartNames checks that whatever users name their models and
// datasets, the charts stay well-formed SVG with no element from a name.
func FuzzChartNames(f *testing.F) {
	f.Add(`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`)
	f.Add("]]><!--", "\x00\x01\ufffe")
	f.Fuzz(func(t *testing.T, model, dataset string) {
		m := leaderboard.Entity{ID: 1, Name: model}
		d := leaderboard.Entity{ID: 2, Name: dataset}
		lb, err := leaderboard.Build(1, decl, []leaderboard.Result{
			{ID: 1, Benchmark: 1, Model: m, Dataset: d, Metrics: map[string]float64{"dice": 0.5}},
		}, leaderboard.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for name, markup := range charts(t, lb) {
			for _, e := range mustParseSVG(t, markup) {
				switch e.name {
				case "svg", "title", "desc", "text", "tspan", "g", "rect", "defs", "linearGradient", "stop", "line", "circle":
				default:
					t.Errorf("%s: a name produced a <%s> element", name, e.name)
				}
			}
		}
	})
}

func TestHeatmapOfAFreeFormMetric(t *testing.T) {
	lb, err := leaderboard.Build(1, medperf.MetricSet{}, []leaderboard.Result{
		{ID: 1, Benchmark: 1, Model: plain, Dataset: siteA, Metrics: map[string]float64{"score": 3}},
		{ID: 2, Benchmark: 1, Model: evil, Dataset: siteA, Metrics: map[string]float64{"score": 7}},
	}, leaderboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	markup, err := chart.Heatmap(lb, "score")
	if err != nil {
		t.Fatal(err)
	}
	all := mustParseSVG(t, markup)
	for _, e := range all {
		if e.name == "desc" && (strings.Contains(e.text, "better") || !strings.Contains(e.text, "direction not declared")) {
			t.Errorf("desc %q claims a direction the benchmark did not declare", e.text)
		}
	}
	if legend := withClass(all, "legend"); len(legend) != 1 || strings.Contains(legend[0].attrs["aria-label"], "best") {
		t.Errorf("legend %v, want low to high without best or worst", legend)
	}
}
