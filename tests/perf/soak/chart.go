package soak

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette gives each series a distinct, print-safe colour (Okabe-Ito).
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, {0xD5, 0x5E, 0x00, 0xff}, {0x00, 0x9E, 0x73, 0xff},
	{0xCC, 0x79, 0xA7, 0xff}, {0xE6, 0x9F, 0x00, 0xff}, {0x56, 0xB4, 0xE9, 0xff}, {0x00, 0x00, 0x00, 0xff},
}

// WriteChart draws linear memory (MiB) against requests since the VM
// started, one colour a filter: dashed during the warm-up, solid during the
// measured run. It writes a PNG at path.
func WriteChart(path string, results []*Result) error {
	p := plot.New()
	p.Title.Text = "Linear memory of each module (dashed: warm-up until 2 GC cycles; solid: measured run)"
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = "requests since the VM started (thousands)"
	p.Y.Label.Text = "linear memory (MiB)"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	max := 0.0
	for i, r := range results {
		c := palette[i%len(palette)]
		warm := make(plotter.XYs, len(r.Warmup))
		for j, s := range r.Warmup {
			warm[j] = point(s, 0)
		}
		run := make(plotter.XYs, len(r.Samples))
		for j, s := range r.Samples {
			run[j] = point(s, r.WarmupRequests)
			if run[j].Y > max {
				max = run[j].Y
			}
		}
		if len(warm) > 1 {
			wl, err := plotter.NewLine(warm)
			if err != nil {
				return err
			}
			wl.Color = c
			wl.Width = vg.Points(1.5)
			wl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(wl)
		}
		line, points, err := plotter.NewLinePoints(run)
		if err != nil {
			return err
		}
		line.Color = c
		line.Width = vg.Points(1.5)
		points.Color = c
		points.Shape = draw.CircleGlyph{}
		points.Radius = vg.Points(1.5)
		p.Add(line, points)
		p.Legend.Add(fmt.Sprintf("%s: %.2f MiB at %s, %.2f MiB at %s (after a warm-up of %s)", r.Filter,
			float64(r.MemoryBaseline)/(1<<20), Count(r.Baseline), float64(r.MemoryEnd)/(1<<20), Count(r.Requests),
			Count(r.WarmupRequests)), line, points)
	}
	// Head room above the highest line so the legend does not cover it.
	p.Y.Max = max*1.7 + 1
	return p.Save(22*vg.Centimeter, 12*vg.Centimeter, path)
}

func point(s Sample, offset int) plotter.XY {
	return plotter.XY{X: float64(s.Requests+offset) / 1000, Y: float64(s.MemoryBytes) / (1 << 20)}
}

// Count writes a request count briefly: 1M, 200k, 965.6k, 512.
func Count(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', -1, 64) + "k"
	}
	return strconv.Itoa(n)
}
