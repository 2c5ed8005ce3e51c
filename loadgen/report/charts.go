package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// A chart is a plot with its legend drawn to its right, outside the
// data, so that no legend hides a bar or a line.
type chart struct {
	// id names the chart: its PNG is report-<id>.png.
	id, title, caption string
	p                  *plot.Plot
	legend             plot.Legend
	w, h               vg.Length
}

// pngDPI makes a 10-inch chart 1200 pixels wide, sharp on a code host.
const pngDPI = 120

// sans is the charts' typeface; browsers without it fall back to Arial,
// whose metrics are the same.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func newChart(id, title, caption, xlabel, ylabel string) *chart {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Tick.Label.Font = font.From(sans, 10)
	}
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 10)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(14)
	l.Padding = vg.Points(3)
	p.Title.Padding = vg.Points(8)
	return &chart{id: id, title: title, caption: caption, p: p, legend: l,
		w: 10 * vg.Inch, h: 4 * vg.Inch}
}

// ID names the chart in the page.
func (c *chart) ID() string { return c.id }

// Caption says how to read the chart.
func (c *chart) Caption() string { return c.caption }

// File is the chart's PNG file name.
func (c *chart) File() string { return "report-" + c.id + ".png" }

func (c *chart) draw(dc draw.Canvas) {
	r := c.legend.Rectangle(dc)
	lw := r.Max.X - r.Min.X
	if lw == 0 {
		c.p.Draw(draw.Crop(dc, vg.Points(5), 0, 0, 0))
		return
	}
	pad := vg.Points(10)
	c.p.Draw(draw.Crop(dc, pad/2, -(lw + 2*pad), 0, 0))
	top := vg.Points(c.p.Title.TextStyle.Font.Size.Points() + 12)
	c.legend.Draw(draw.Crop(dc, dc.Max.X-dc.Min.X-lw-pad, -pad, 0, -top))
}

// svg renders the chart as an SVG document. Its text names Liberation
// Sans first and then its metric twins, for readers without it.
func (c *chart) svg() ([]byte, error) {
	cv := vgsvg.New(c.w, c.h)
	c.draw(draw.New(cv))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("report: chart %s: %w", c.id, err)
	}
	out := strings.ReplaceAll(b.String(), "font-family:Liberation Sans;",
		"font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")
	return []byte(out), nil
}

func (c *chart) png() ([]byte, error) {
	cv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(c.w, c.h), vgimg.UseDPI(pngDPI))}
	c.draw(draw.New(cv))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("report: chart %s: %w", c.id, err)
	}
	return b.Bytes(), nil
}

// barsHeight sizes a bar chart by its number of bars.
func barsHeight(bars int) vg.Length {
	return vg.Points(110 + 11*float64(bars))
}

// spectrumChart draws each scenario's latency against the percentile,
// as HdrHistogram's plotter does: x is 1/(1-p) on a log scale, so each
// decade is one more nine.
func spectrumChart(r *Run) (*chart, []string) {
	c := newChart("latency", "Latency by percentile",
		"Each scenario's latency distribution over all repetitions, from its .hgrm "+
			"file. Each step right on the x axis adds a nine to the percentile.",
		"percentile", "latency (ms)")
	var notes []string
	maxX := 10.0
	for i, name := range r.Scenarios {
		pts, ok := r.Spectra[name]
		if !ok {
			pts = samplePercentiles(r.bySample()[name])
			notes = append(notes, fmt.Sprintf("%s has no .hgrm file: its latency curve "+
				"joins the medians of its samples' p50, p90, p99 and p99.9.", shortName(name)))
		}
		var xys plotter.XYs
		for _, p := range pts {
			if p.Quantile < 1 {
				x := 1 / (1 - p.Quantile)
				xys = append(xys, plotter.XY{X: x, Y: p.Millis})
				maxX = math.Max(maxX, x)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			continue // NaN or infinite latencies: nothing to draw
		}
		l.Color = colorOf(i)
		l.Width = vg.Points(1.5)
		if strings.Contains(name, "pool=off") {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
		}
		c.p.Add(l)
		c.legend.Add(label(name), l)
	}
	c.p.X.Scale = plot.LogScale{}
	c.p.X.Min, c.p.X.Max = 1, math.Pow(10, math.Ceil(math.Log10(maxX)))
	c.p.X.Tick.Marker = nineTicks(c.p.X.Max)
	c.p.Y.Min = 0
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	c.p.Add(grid)
	return c, notes
}

// nineTicks labels the decades of 1/(1-p) with their percentiles: 1 is
// 0%, 10 is 90%, 100 is 99%, and so on up to top.
func nineTicks(top float64) plot.ConstantTicks {
	var t plot.ConstantTicks
	for d := 1.0; d <= top; d *= 10 {
		nines := int(math.Round(math.Log10(d)))
		label := fmt.Sprintf("%.*f%%", max(nines-2, 0), 100-100/d)
		t = append(t, plot.Tick{Value: d, Label: label})
		for m := 2.0; m < 10 && d*m <= top; m++ {
			t = append(t, plot.Tick{Value: d * m})
		}
	}
	return t
}

// overheadChart draws each TLS scenario's change against plaintext, for
// the figures marked for it, with the range its confidence intervals
// allow.
func overheadChart(ovs []overhead) *chart {
	c := newChart("overhead", "Overhead against plaintext with the same pooling",
		"Bars are the change of the median in percent; whiskers span the change "+
			"the two medians' 95% confidence intervals allow.",
		"change against plaintext (%)", "")
	var groups []string
	idx := map[string]int{}
	for _, o := range ovs {
		if _, ok := idx[o.Scenario]; !ok {
			idx[o.Scenario] = len(groups)
			groups = append(groups, label(o.Scenario))
		}
	}
	var shown []metric
	for _, m := range metrics {
		if m.chart {
			shown = append(shown, m)
		}
	}
	b := &hbars{groups: len(groups), slots: len(shown)}
	for slot, m := range shown {
		s := barSeries{slot: slot, color: colorOf(slot), vals: nans(len(groups)),
			lo: nans(len(groups)), hi: nans(len(groups))}
		for _, o := range ovs {
			if o.m.unit == m.unit {
				g := idx[o.Scenario]
				s.vals[g], s.lo[g], s.hi[g] = o.pct, o.lo, o.hi
			}
		}
		b.series = append(b.series, s)
		c.legend.Add(m.name, swatch{s.color})
	}
	c.finishBars(b, groups, true)
	zero, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(len(groups)) - 0.5}})
	zero.Color = color.Gray{Y: 0x60}
	c.p.Add(zero)
	return c
}

// finishBars adds b to the chart with its group labels and a grid.
func (c *chart) finishBars(b *hbars, labels []string, grid bool) {
	if grid {
		g := plotter.NewGrid()
		g.Horizontal.Color = nil
		c.p.Add(g)
	}
	c.p.Add(b)
	c.p.X.Tick.Marker = numberTicks{}
	c.p.Y.Tick.Marker = b.groupTicks(labels)
	c.h = barsHeight(b.groups * b.slots)
}

func nans(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}
