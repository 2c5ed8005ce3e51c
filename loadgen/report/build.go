package report

import (
	"fmt"
	"path/filepath"
	"slices"

	"golang.org/x/perf/benchmath"

	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
)

// A Report is a run's report, ready to write into the run directory.
type Report struct {
	// Markdown is report.md; it links the PNG charts Images renders.
	Markdown []byte
	// HTML is report.html, which holds its charts as inline SVG and
	// needs no other file.
	HTML []byte
	// Notes say what the report leaves out and why.
	Notes []string

	charts []*chart
}

// Build makes the report of a run.
func Build(r *Run) (*Report, error) {
	ovs, statWarns := overheads(r)
	spectrum, notes := spectrumChart(r)
	glance, details := overheadSections(ovs)

	blocks := []block{
		{Heading: "What TLS and mutual TLS cost: run " + orNot(r.Header.RunID), Level: 1,
			Paras: []string{"Measured with go-micro RPCs against an echo server over " +
				"plaintext, TLS and mutual TLS. Medians over the repetitions of each " +
				"scenario; see the README's \"Reading the comparison\" for the statistics."}},
		{Heading: "Run", Level: 2, Table: runTable(r)},
		{Heading: "Environment", Level: 2, Table: envTable(r.Env)},
	}
	if r.Header.Command != nil {
		blocks = append(blocks, block{Heading: "Flags", Level: 2,
			Code: joinArgs(r.Header.Command)})
	}

	ov := block{Heading: "Overhead against plaintext", Level: 2}
	if len(ovs) == 0 {
		ov.Paras = []string{"No TLS scenario has its plaintext baseline in this run: " +
			"nothing to compare."}
		blocks = append(blocks, ov)
	} else {
		ov.Paras = []string{fmt.Sprintf("Each TLS and mutual TLS scenario against "+
			"plaintext with the same pooling: the change of the median, when a "+
			"Mann-Whitney U test gives p < %.2f; otherwise ~, no difference this run "+
			"can show.", benchmath.DefaultThresholds.CompareAlpha)}
		ov.Table = glance
		ov.Chart = overheadChart(ovs)
		blocks = append(blocks, ov, block{Paras: []string{"Per figure: medians ± the " +
			"half-width of their 95% confidence interval, the change with its p-value, " +
			"and the range of changes the two intervals allow. n is the number of " +
			"samples on each side; 6 or more give a 95% interval."}})
		blocks = append(blocks, details...)
	}

	blocks = append(blocks,
		block{Heading: "Scenarios", Level: 2, Paras: []string{"Medians over each " +
			"scenario's samples; errors are summed."}, Table: scenarioTable(r)},
		block{Heading: "Latency", Level: 2, Chart: spectrum},
		block{Heading: "Handshakes", Level: 2, Chart: handshakeChart(r)},
		block{Heading: "CPU time", Level: 2, Chart: cpuChart(r)},
	)
	if a := attributionChart(r); a != nil {
		blocks = append(blocks, block{Chart: a})
	} else {
		notes = append(notes, "summary.json has no CPU attribution (a run with "+
			"-profile=false takes no profiles to attribute): the chart of CPU time by "+
			"category is left out.")
	}
	if len(notes) > 0 {
		blocks = append(blocks, block{Heading: "Notes", Level: 2, List: notes})
	}
	if w := append(sampleWarnings(r), statWarns...); len(w) > 0 {
		blocks = append(blocks, block{Heading: "Warnings", Level: 2, List: w})
	}

	rep := &Report{Notes: notes}
	svgs := map[*chart][]byte{}
	for _, b := range blocks {
		if b.Chart == nil {
			continue
		}
		rep.charts = append(rep.charts, b.Chart)
		var err error
		if svgs[b.Chart], err = b.Chart.svg(); err != nil {
			return nil, err
		}
	}
	rep.Markdown = markdown(blocks)
	var err error
	if rep.HTML, err = htmlPage(blocks, svgs); err != nil {
		return nil, err
	}
	return rep, nil
}

// Images renders the charts report.md links to as PNG, by file name.
func (rep *Report) Images() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, c := range rep.charts {
		png, err := c.png()
		if err != nil {
			return nil, err
		}
		out[c.File()] = png
	}
	return out, nil
}

// Write writes report.md, report.html and the PNG charts into dir and
// returns the paths written, report.md first.
func (rep *Report) Write(dir string) ([]string, error) {
	images, err := rep.Images()
	if err != nil {
		return nil, err
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{"report.md", rep.Markdown}, {"report.html", rep.HTML}}
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		files = append(files, file{n, images[n]})
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := results.WriteAtomic(p, f.data); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
