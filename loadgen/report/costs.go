package report

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"golang.org/x/perf/benchmath"

	"github.com/mtlsbench/gomicro-mtls/loadgen/attrib"
	"github.com/mtlsbench/gomicro-mtls/loadgen/results"
	"github.com/mtlsbench/gomicro-mtls/loadgen/runner"
	"github.com/mtlsbench/gomicro-mtls/loadgen/tlsconf"
)

// handshakes are the counts bench.txt reports: the server's, or the
// client's when the server's are unavailable.
func handshakes(s *runner.Sample) tlsconf.Handshakes {
	if s.Server != nil {
		return *s.Server
	}
	return s.Client
}

func fullPer1000(s *runner.Sample) (float64, bool) {
	return 1000 * float64(handshakes(s).Full) / float64(s.Calls), true
}

func resumedPer1000(s *runner.Sample) (float64, bool) {
	return 1000 * float64(handshakes(s).Resumed) / float64(s.Calls), true
}

// handshakeChart draws each scenario's median full and resumed
// handshakes per 1000 calls.
func handshakeChart(r *Run) *chart {
	c := newChart("handshakes", "Handshakes per 1000 calls",
		"Median over the repetitions of the handshakes the server completed, per "+
			"1000 calls (the client's count where the server's is unavailable).",
		"handshakes per 1000 calls", "")
	by := r.bySample()
	n := len(r.Scenarios)
	b := &hbars{groups: n, slots: 2}
	for slot, k := range []struct {
		name string
		get  func(*runner.Sample) (float64, bool)
	}{{"full", fullPer1000}, {"resumed", resumedPer1000}} {
		s := barSeries{slot: slot, color: colorOf(slot), vals: nans(n),
			labels: make([]string, n)}
		for g, name := range r.Scenarios {
			if v, ok := median(by[name], k.get); ok {
				s.vals[g] = v
				s.labels[g] = strconv.FormatFloat(v, 'g', 4, 64)
			}
		}
		b.series = append(b.series, s)
		c.legend.Add(k.name, swatch{s.color})
	}
	c.finishBars(b, labels(r.Scenarios), true)
	return c
}

func clientCPU(s *runner.Sample) (float64, bool) {
	v, ok := clientCPUNs(s)
	return v / 1e3, ok
}

func serverCPU(s *runner.Sample) (float64, bool) {
	v, ok := serverCPUNs(s)
	return v / 1e3, ok
}

// cpuChart draws each scenario's median CPU time per call on each side,
// with its 95% confidence interval.
func cpuChart(r *Run) *chart {
	c := newChart("cpu", "CPU time per call by side",
		"Median CPU time (user and system) per call of the load generator's process "+
			"and of the server's, with the 95% confidence interval of the median.",
		"CPU time per call (µs)", "")
	by := r.bySample()
	n := len(r.Scenarios)
	b := &hbars{groups: n, slots: 2}
	for slot, k := range []struct {
		name string
		get  func(*runner.Sample) (float64, bool)
	}{{"client", clientCPU}, {"server", serverCPU}} {
		s := barSeries{slot: slot, color: colorOf(slot), vals: nans(n), lo: nans(n),
			hi: nans(n)}
		for g, name := range r.Scenarios {
			smp, ok := results.SampleOf(by[name], k.get)
			if !ok {
				continue
			}
			sum := benchmath.AssumeNothing.Summary(smp, results.Confidence)
			s.vals[g] = sum.Center
			if !math.IsInf(sum.Lo, 0) && !math.IsInf(sum.Hi, 0) {
				s.lo[g], s.hi[g] = sum.Lo, sum.Hi
			}
		}
		b.series = append(b.series, s)
		c.legend.Add(k.name, swatch{s.color})
	}
	c.finishBars(b, labels(r.Scenarios), true)
	return c
}

// attributionChart stacks each scenario's CPU time per call on each
// side by category, or returns nil when the run has no attribution.
func attributionChart(r *Run) *chart {
	c := newChart("cpu-categories", "CPU time per call by category",
		"Each side's CPU time per call divided by what it was spent on, from the "+
			"scenario's CPU profiles. Profiles sample CPU time, so the totals are "+
			"usually a little below the operating system's accounting in the chart above.",
		"CPU time per call (µs)", "")
	// Rows in the run's scenario order, the client's before the server's.
	order := map[string]int{}
	for i, s := range r.Scenarios {
		order[s] = i
	}
	var rows []results.AttributionRow
	for _, a := range r.Attribution {
		if _, ok := order[a.Scenario]; ok && len(a.PerCallNs) > 0 {
			rows = append(rows, a)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	slices.SortStableFunc(rows, func(a, b results.AttributionRow) int {
		return cmp.Or(cmp.Compare(order[a.Scenario], order[b.Scenario]),
			cmp.Compare(a.Side, b.Side))
	})

	b := &hbars{groups: len(rows), slots: 1}
	base := make([]float64, len(rows))
	for i, cat := range categories(rows) {
		s := barSeries{color: colorOf(i), vals: nans(len(rows)), base: slices.Clone(base)}
		for g, row := range rows {
			if v, ok := row.PerCallNs[cat]; ok {
				s.vals[g] = v / 1e3
				base[g] += v / 1e3
			}
		}
		b.series = append(b.series, s)
		c.legend.Add(cat, swatch{s.color})
	}
	names := make([]string, len(rows))
	for i, row := range rows {
		names[i] = label(row.Scenario) + " · " + row.Side
	}
	c.finishBars(b, names, true)
	return c
}

// categories lists the attribution's categories in package attrib's
// order, then any it does not know, by name; "total" is not one.
func categories(rows []results.AttributionRow) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r.PerCallNs {
			seen[k] = k != "total"
		}
	}
	var out []string
	for c := attrib.Category(0); c < attrib.NumCategories; c++ {
		if seen[c.String()] {
			out = append(out, c.String())
			delete(seen, c.String())
		}
	}
	var rest []string
	for k, ok := range seen {
		if ok {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// samplePercentiles stands in for a missing .hgrm file: the medians of
// the samples' latency percentiles.
func samplePercentiles(ss []*runner.Sample) []Percentile {
	var out []Percentile
	for _, q := range []struct {
		q   float64
		get func(runner.Latency) int64
	}{
		{0.5, func(l runner.Latency) int64 { return l.P50 }},
		{0.9, func(l runner.Latency) int64 { return l.P90 }},
		{0.99, func(l runner.Latency) int64 { return l.P99 }},
		{0.999, func(l runner.Latency) int64 { return l.P999 }},
	} {
		v, ok := median(ss, func(s *runner.Sample) (float64, bool) {
			return float64(q.get(s.Latency)), true
		})
		if ok {
			out = append(out, Percentile{Quantile: q.q, Millis: v / 1e6})
		}
	}
	return out
}

func shortNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = shortName(n)
	}
	return out
}

func labels(scenarios []string) []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = label(s)
	}
	return out
}
