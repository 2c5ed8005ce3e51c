package report

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// hbars is a plot.Plotter of horizontal bars in groups: group g is a
// band centred on y = groups-1-g, so the first group is at the top, and
// the band is split into slots, one per series unless series share a
// slot to stack. Each bar may carry a whisker marking an interval.
type hbars struct {
	groups, slots int
	series        []barSeries
}

// A barSeries is one bar per group, in a slot of each group's band.
type barSeries struct {
	slot  int
	color color.Color
	// vals are the bars' lengths; NaN draws no bar.
	vals []float64
	// base, when set, is where each bar starts: the end of the bar it
	// stacks on.
	base []float64
	// lo and hi, when set, are each bar's whisker; NaN draws none.
	lo, hi []float64
	// labels, when set, are written after each bar's end.
	labels []string
}

// band is the share of a group's height its bars fill.
const band = 0.8

// Plot implements plot.Plotter.
func (b *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	h := band / float64(b.slots)
	whisker := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, s := range b.series {
		for g, v := range s.vals {
			if math.IsNaN(v) {
				continue
			}
			top := float64(b.groups-1-g) + band/2 - float64(s.slot)*h
			y0, y1 := trY(top-h*0.95), trY(top-h*0.05)
			x0 := 0.0
			if s.base != nil {
				x0 = s.base[g]
			}
			pts := []vg.Point{{X: trX(x0), Y: y0}, {X: trX(x0 + v), Y: y0},
				{X: trX(x0 + v), Y: y1}, {X: trX(x0), Y: y1}}
			c.FillPolygon(s.color, c.ClipPolygonXY(pts))
			if s.labels != nil && s.labels[g] != "" {
				c.FillText(labelStyle, vg.Point{X: trX(x0+v) + vg.Points(4),
					Y: trY(top - h/2)}, s.labels[g])
			}
			if s.lo == nil || math.IsNaN(s.lo[g]) || math.IsNaN(s.hi[g]) {
				continue
			}
			ym := trY(top - h/2)
			end := (y1 - y0) / 4
			xl, xh := trX(s.lo[g]), trX(s.hi[g])
			c.StrokeLines(whisker, c.ClipLinesXY([]vg.Point{{X: xl, Y: ym}, {X: xh, Y: ym}})...)
			for _, x := range []vg.Length{xl, xh} {
				if c.ContainsX(x) {
					c.StrokeLine2(whisker, x, ym-end, x, ym+end)
				}
			}
		}
	}
}

// DataRange implements plot.DataRanger: zero, every bar's end and every
// whisker along x; the group bands along y.
func (b *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, s := range b.series {
		for g, v := range s.vals {
			if math.IsNaN(v) {
				continue
			}
			end := v
			if s.base != nil {
				end += s.base[g]
			}
			ends := []float64{end}
			if s.lo != nil {
				ends = append(ends, s.lo[g], s.hi[g])
			}
			for _, e := range ends {
				if !math.IsNaN(e) {
					xmin, xmax = math.Min(xmin, e), math.Max(xmax, e)
				}
			}
		}
	}
	for _, s := range b.series {
		if s.labels != nil {
			xmax *= 1.06 // room for the labels
			break
		}
	}
	return xmin, xmax, -0.5, float64(b.groups) - 0.5
}

// labelStyle writes a bar's value after its end.
var labelStyle = text.Style{Color: color.Black, Font: font.From(sans, 9),
	YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}

// groupTicks labels each group's band on the y axis.
func (b *hbars) groupTicks(labels []string) plot.ConstantTicks {
	var t plot.ConstantTicks
	for g, l := range labels {
		t = append(t, plot.Tick{Value: float64(b.groups - 1 - g), Label: l})
	}
	return t
}

// swatch is a legend entry's filled square.
type swatch struct{ color color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(s.color, pts)
}

// palette is Tableau's ten categorical colours, told apart by most
// readers, in print as on screen.
var palette = []color.Color{
	color.RGBA{0x4e, 0x79, 0xa7, 0xff}, color.RGBA{0xf2, 0x8e, 0x2b, 0xff},
	color.RGBA{0xe1, 0x57, 0x59, 0xff}, color.RGBA{0x76, 0xb7, 0xb2, 0xff},
	color.RGBA{0x59, 0xa1, 0x4f, 0xff}, color.RGBA{0xed, 0xc9, 0x48, 0xff},
	color.RGBA{0xb0, 0x7a, 0xa1, 0xff}, color.RGBA{0xff, 0x9d, 0xa7, 0xff},
	color.RGBA{0x9c, 0x75, 0x5f, 0xff}, color.RGBA{0xba, 0xb0, 0xac, 0xff},
}

func colorOf(i int) color.Color { return palette[i%len(palette)] }

// numberTicks are plot's default ticks labelled without trailing zeros.
type numberTicks struct{}

// Ticks implements plot.Ticker.
func (numberTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ts {
		if t.Label != "" {
			ts[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64)
		}
	}
	return ts
}

// label names a scenario in a chart: "mtls resume=on pool=off".
func label(scenario string) string {
	return strings.ReplaceAll(strings.TrimPrefix(shortName(scenario), "transport="), "/", " ")
}
